// Python (confluent_kafka / librdkafka) sources for the exactly-once interop tests. Each prints one
// JSON line (the last line of stdout) the test asserts on.

/** Reads a whole topic from offset 0 with an isolation level: argv bootstrap topic isolation expected_min idle_s. */
export const CK_READ_ALL = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition
b, topic, iso = sys.argv[1], sys.argv[2], sys.argv[3]
expected, idle = int(sys.argv[4]), float(sys.argv[5])
c = Consumer({'bootstrap.servers': b, 'group.id': 'reader', 'enable.auto.commit': False, 'isolation.level': iso})
md = c.list_topics(topic, timeout=10)
c.assign([TopicPartition(topic, p, 0) for p in md.topics[topic].partitions])
rows = []
last = time.time()
deadline = time.time() + 90
while time.time() < deadline:
    got = c.consume(10000, 0.5)
    for m in got:
        if m.error() is None:
            rows.append([m.partition(), m.offset(), m.value().decode()])
    if got: last = time.time()
    if len(rows) >= expected and time.time() - last > idle: break
c.close()
print(json.dumps({'rows': rows}))
`

/** Idempotent producer of n messages (value = sequence number, 4 partitions by key), slowly: argv bootstrap topic n. */
export const CK_IDEMPOTENT_PRODUCE = `
import sys, json, time
from confluent_kafka import Producer
b, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = Producer({'bootstrap.servers': b, 'enable.idempotence': True, 'linger.ms': 5, 'message.timeout.ms': 120000,
              'retry.backoff.ms': 200, 'reconnect.backoff.max.ms': 500})
acked, errors = [0], []
def dr(err, msg):
    if err is None: acked[0] += 1
    else: errors.append(str(err))
for i in range(n):
    while True:
        try:
            p.produce(topic, key=b'k%d' % (i % 4), value=b'%d' % i, on_delivery=dr)
            break
        except BufferError:
            p.poll(0.05)
    if i % 200 == 199:
        p.poll(0)
        time.sleep(0.02)
left = p.flush(120)
print(json.dumps({'acked': acked[0], 'errors': errors[:5], 'unflushed': left}))
`

/** Commit one transaction, abort one (flushed first), commit another: argv bootstrap topic txn_id. */
export const CK_TXN_COMMIT_ABORT = `
import sys, json
from confluent_kafka import Producer
b, topic, tid = sys.argv[1], sys.argv[2], sys.argv[3]
t = Producer({'bootstrap.servers': b, 'transactional.id': tid})
t.init_transactions(30)
t.begin_transaction()
for i in range(10): t.produce(topic, value=b'commit-a-%d' % i)
t.commit_transaction(30)
t.begin_transaction()
for i in range(7): t.produce(topic, value=b'abort-%d' % i)
t.flush(30)
t.abort_transaction(30)
t.begin_transaction()
for i in range(5): t.produce(topic, value=b'commit-b-%d' % i)
t.commit_transaction(30)
print(json.dumps({'ok': True}))
`

/**
 * Consume-transform-produce with send_offsets_to_transaction, surviving broker restarts:
 * argv bootstrap input output group n. Exits once the group's committed offsets cover n input
 * records. Abortable errors abort and rewind to the committed offsets; fatal ones (fencing after
 * a coordinator-side abort) start a new producer with the same transactional id.
 */
export const CK_CTP = `
import sys, json, time
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaException
b, src, dst, group, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def new_producer():
    while True:
        try:
            p = Producer({'bootstrap.servers': b, 'transactional.id': 'ctp-' + group, 'transaction.timeout.ms': 60000,
                          'reconnect.backoff.max.ms': 500})
            p.init_transactions(60)
            return p
        except KafkaException as e:
            time.sleep(0.5)
c = Consumer({'bootstrap.servers': b, 'group.id': group, 'enable.auto.commit': False, 'isolation.level': 'read_committed',
              'auto.offset.reset': 'earliest', 'reconnect.backoff.max.ms': 500, 'session.timeout.ms': 10000})
c.subscribe([src])
p = new_producer()
stats = {'commits': 0, 'aborts': 0, 'fatal': 0, 'retries': 0, 'first_commit_s': None}
t0 = time.time()
def rewind():
    parts = c.assignment()
    if not parts: return
    for tp in c.committed(parts, timeout=30):
        c.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))
def done():
    parts = c.assignment()
    if not parts: return False
    try:
        return sum(max(tp.offset, 0) for tp in c.committed(parts, timeout=10)) >= n
    except KafkaException:
        return False
deadline = time.time() + 240
while time.time() < deadline:
    msgs = [m for m in c.consume(40, 0.5) if m.error() is None]
    if not msgs:
        if done(): break
        continue
    try:
        p.begin_transaction()
        for m in msgs:
            p.produce(dst, key=m.key(), value=b'out-' + m.value())
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        while True:
            try:
                p.commit_transaction(30)
                break
            except KafkaException as e:
                if e.args[0].retriable():
                    stats['retries'] += 1
                    continue
                raise
        stats['commits'] += 1
        if stats['first_commit_s'] is None: stats['first_commit_s'] = round(time.time() - t0, 1)
        time.sleep(0.03)  # keep the run long enough for the test's SIGKILLs to land mid-stream
    except KafkaException as e:
        err = e.args[0]
        if err.txn_requires_abort():
            stats['aborts'] += 1
            try:
                p.abort_transaction(30)
            except KafkaException:
                p = new_producer()
        else:
            stats['fatal'] += 1
            p = new_producer()
        rewind()
stats['seconds'] = round(time.time() - t0, 1)
c.close()
print(json.dumps(stats))
`

/** Zombie fencing: argv bootstrap topic. */
export const CK_ZOMBIE = `
import sys, json
from confluent_kafka import Producer, KafkaException
b, topic = sys.argv[1], sys.argv[2]
conf = {'bootstrap.servers': b, 'transactional.id': 'zombie-id'}
old = Producer(conf)
old.init_transactions(30)
old.begin_transaction()
old.produce(topic, value=b'zombie-1')
old.flush(30)
new = Producer(conf)
new.init_transactions(30)
result = {}
try:
    old.produce(topic, value=b'zombie-2')
    old.commit_transaction(30)
    result['old'] = 'committed'
except KafkaException as e:
    result['old'] = 'fatal' if e.args[0].fatal() else ('abortable' if e.args[0].txn_requires_abort() else str(e))
new.begin_transaction()
new.produce(topic, value=b'fresh-1')
new.commit_transaction(30)
result['new'] = 'committed'
print(json.dumps(result))
`

/**
 * A transaction that is never committed: argv bootstrap topic. Prints what a read_committed
 * consumer sees while it is open and after the broker aborted it.
 */
export const CK_TXN_TIMEOUT = `
import sys, json, time
from confluent_kafka import Producer, Consumer, TopicPartition
b, topic = sys.argv[1], sys.argv[2]
t = Producer({'bootstrap.servers': b, 'transactional.id': 'slow-id', 'transaction.timeout.ms': 2000})
t.init_transactions(30)
t.begin_transaction()
for i in range(5): t.produce(topic, value=b'hung-%d' % i)
t.flush(30)
plain = Producer({'bootstrap.servers': b, 'enable.idempotence': True})
plain.produce(topic, value=b'after')
plain.flush(30)
c = Consumer({'bootstrap.servers': b, 'group.id': 'lso', 'isolation.level': 'read_committed', 'enable.auto.commit': False})
c.assign([TopicPartition(topic, 0, 0)])
def read(seconds):
    out, end = [], time.time() + seconds
    while time.time() < end:
        for m in c.consume(100, 0.2):
            if m.error() is None: out.append(m.value().decode())
    return out
before = read(1.0)
# With isolation.level=read_committed librdkafka asks ListOffsets for the last stable offset.
lso_before = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
after = read(6.0)
lso_after = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)[1]
print(json.dumps({'before': before, 'after': after, 'lsoBefore': lso_before, 'lsoAfter': lso_after}))
`
