// Python sources for the consumer-group interop tests (confluent_kafka = librdkafka 2.0.2,
// kafka-python 2.0.2). Each prints one JSON line that the test asserts on.

const PRODUCE = `
def produce(b, topic, start, n, parts):
    p = Producer({'bootstrap.servers': b, 'linger.ms': 5})
    for i in range(start, start + n):
        p.produce(topic, key=b'k%d' % i, value=b'%d' % i, partition=i % parts)
    assert p.flush(30) == 0
`

const CURRENT = `
def current(events):
    owned = set()
    for kind, parts in events:
        if kind == 'assign': owned |= set(parts)
        else: owned -= set(parts)
    return sorted(owned)
`

/**
 * argv: bootstrap topic group strategy n. Two consumers of one group (4 partitions), commits sync
 * and async; one closes, the other takes over; a restarted consumer resumes from the commits.
 * Like any consumer that must not see a message twice, each commits what it read of a partition
 * when that partition is revoked: a commit sent while the group completes a rebalance is refused
 * with REBALANCE_IN_PROGRESS (as Kafka does; with cooperative-sticky the members keep consuming
 * then), so per-message commits alone can leave a moved partition's last offsets uncommitted.
 */
export const CK_GROUP = `
import sys, json, time
from confluent_kafka import Consumer, Producer, TopicPartition, KafkaError, KafkaException
${PRODUCE}
${CURRENT}
b, topic, group, strategy, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
cooperative = strategy == 'cooperative-sticky'
produce(b, topic, 0, n, 4)
events = {}
# (consumer, partition) -> offset after the last message handed to the application
done = {}
def mk(name):
    events[name] = []
    c = Consumer({'bootstrap.servers': b, 'group.id': group, 'partition.assignment.strategy': strategy,
                  'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
                  'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300})
    def on_assign(cons, parts):
        events[name].append(('assign', [tp.partition for tp in parts]))
        if cooperative: cons.incremental_assign(parts)
        else: cons.assign(parts)
    def on_revoke(cons, parts):
        events[name].append(('revoke', [tp.partition for tp in parts]))
        mine = [TopicPartition(topic, tp.partition, done.pop((name, tp.partition))) for tp in parts if (name, tp.partition) in done]
        if mine: cons.commit(offsets=mine, asynchronous=False)
        if cooperative: cons.incremental_unassign(parts)
        else: cons.unassign()
    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return c
seen = {}
k = [0]
def pump(consumers, until, timeout):
    deadline = time.time() + timeout
    while not until() and time.time() < deadline:
        for name, c in consumers:
            m = c.poll(0.05)
            if m is None or m.error(): continue
            seen.setdefault(int(m.value()), []).append(name)
            done[(name, m.partition())] = m.offset() + 1
            k[0] += 1
            try:
                c.commit(message=m, asynchronous=(k[0] % 2 == 0))
            except KafkaException as e:
                # Refused while the group completes a rebalance; the revoke commit covers it.
                if e.args[0].code() != KafkaError.REBALANCE_IN_PROGRESS: raise
a, b2 = mk('a'), mk('b')
both = [('a', a), ('b', b2)]
pump(both, lambda: len(seen) >= n and current(events['a']) and current(events['b']), 60)
split = {'a': current(events['a']), 'b': current(events['b'])}
# settle: let the other member get its share if the first one read everything alone
pump(both, lambda: current(events['a']) and current(events['b']) and not set(current(events['a'])) & set(current(events['b'])), 20)
split = {'a': current(events['a']), 'b': current(events['b'])}
a.close()
produce(b, topic, n, n, 4)
pump([('b', b2)], lambda: len(seen) >= 2 * n and len(current(events['b'])) == 4, 60)
after_leave = current(events['b'])
b2.close()
produce(b, topic, 2 * n, 8, 4)
c3 = mk('c')
first = []
deadline = time.time() + 30
while len(first) < 8 and time.time() < deadline:
    m = c3.poll(0.1)
    if m is None or m.error(): continue
    first.append(int(m.value()))
committed = c3.committed([TopicPartition(topic, p) for p in range(4)], timeout=10)
c3.close()
values = [v for v in seen]
print(json.dumps({
    'split': split, 'after_leave': after_leave,
    'missing': sorted(set(range(2 * n)) - set(seen))[:10],
    'dupes': sum(len(x) - 1 for x in seen.values()),
    'resumed': sorted(first),
    'committed': sorted(tp.offset for tp in committed),
}))
`

/**
 * argv: bootstrap topic group. Two static members (group.instance.id); one is closed and a new
 * process with the same instance id comes back within the session timeout: no rebalance.
 */
export const CK_STATIC = `
import sys, json, time
from confluent_kafka import Consumer, Producer
${PRODUCE}
${CURRENT}
b, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
produce(b, topic, 0, 40, 4)
events = {}
def mk(name, inst):
    events[name] = []
    c = Consumer({'bootstrap.servers': b, 'group.id': group, 'group.instance.id': inst,
                  'auto.offset.reset': 'earliest', 'enable.auto.commit': True, 'auto.commit.interval.ms': 100,
                  'session.timeout.ms': 10000, 'heartbeat.interval.ms': 300})
    c.subscribe([topic], on_assign=lambda cons, parts: events[name].append(('assign', [tp.partition for tp in parts])),
                on_revoke=lambda cons, parts: events[name].append(('revoke', [tp.partition for tp in parts])))
    return c
def pump(consumers, secs, until=lambda: False):
    deadline = time.time() + secs
    while time.time() < deadline and not until():
        for c in consumers: c.poll(0.05)
a, b2 = mk('a', 'inst-a'), mk('b', 'inst-b')
pump([a, b2], 30, lambda: current(events['a']) and current(events['b']) and len(current(events['a']) + current(events['b'])) == 4)
pump([a, b2], 1.5)
before = {'a': current(events['a']), 'b': current(events['b'])}
b_events = len(events['b'])
a.close()
a2 = mk('a2', 'inst-a')
pump([a2, b2], 15, lambda: len(current(events['a2'])) > 0)
pump([a2, b2], 2)
print(json.dumps({'before': before, 'a2': current(events['a2']), 'b_events_after': events['b'][b_events:]}))
a2.close()
b2.close()
`

/** argv: bootstrap topic group n. kafka-python group consumer: consume, commit, close, resume. */
export const KP_GROUP = `
import sys, json
from kafka import KafkaConsumer, KafkaProducer
b, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = KafkaProducer(bootstrap_servers=b)
for i in range(n): p.send(topic, key=b'k%d' % i, value=b'%d' % i, partition=i % 2)
p.flush(30)
def consumer():
    return KafkaConsumer(topic, bootstrap_servers=b, group_id=group, auto_offset_reset='earliest',
                         enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=500,
                         consumer_timeout_ms=4000)
c = consumer()
got = []
for m in c:
    got.append(int(m.value))
    if len(got) >= n: break
c.commit()
c.close()
for i in range(n, n + 5): p.send(topic, key=b'k%d' % i, value=b'%d' % i, partition=i % 2)
p.flush(30)
c2 = consumer()
again = []
for m in c2:
    again.append(int(m.value))
    if len(again) >= 5: break
c2.commit()
c2.close()
print(json.dumps({'first': sorted(got), 'again': sorted(again)}))
`

/** argv: bootstrap topic group n. Consumes slowly with sync commits; the test restarts the broker meanwhile. */
export const CK_SLOW_CONSUMER = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition
b, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({'bootstrap.servers': b, 'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
              'session.timeout.ms': 10000, 'heartbeat.interval.ms': 500, 'reconnect.backoff.max.ms': 500})
c.subscribe([topic])
seen = {}
errors = 0
deadline = time.time() + 90
while len(seen) < n and time.time() < deadline:
    m = c.poll(0.2)
    if m is None: continue
    if m.error():
        errors += 1
        continue
    v = int(m.value())
    seen[v] = seen.get(v, 0) + 1
    while True:
        try:
            c.commit(message=m, asynchronous=False)
            break
        except Exception as e:
            errors += 1
            time.sleep(0.2)
            if time.time() > deadline: break
    time.sleep(0.01)
    if len(seen) % 50 == 0: print('progress %d' % len(seen), flush=True)
committed = c.committed([TopicPartition(topic, p) for p in range(2)], timeout=10)
c.close()
print(json.dumps({'missing': sorted(set(range(n)) - set(seen))[:10], 'count': len(seen), 'dupes': sum(x - 1 for x in seen.values()),
                  'committed': sum(tp.offset for tp in committed)}))
`
