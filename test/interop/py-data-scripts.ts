// Python sources for the data-path interop tests: each prints one JSON line the test asserts on.
// Producers send keyed messages whose value is a global sequence number, so a consumer can check
// that every message arrived exactly once, in order within its partition, at contiguous offsets.

/** Shared consumer-side check: {count, partitions: {p: n}, contiguous, ordered, missing, dupes}. */
const SUMMARY = `
def summarize(rows, n):
    # rows: (partition, offset, key, value)
    by_p = {}
    for p, o, k, v in rows:
        by_p.setdefault(p, []).append((o, int(v), k))
    contiguous = all([o for o, _, _ in r] == list(range(len(r))) for r in by_p.values())
    ordered = all(all(r[i][1] < r[i + 1][1] for i in range(len(r) - 1)) for r in by_p.values())
    keys_ok = all(k == ('k%d' % (v % 997)).encode() for r in by_p.values() for _, v, k in r)
    seen = [v for r in by_p.values() for _, v, _ in r]
    return {
        'count': len(rows),
        'partitions': {str(p): len(r) for p, r in sorted(by_p.items())},
        'contiguous': contiguous,
        'ordered': ordered,
        'keys': keys_ok,
        'missing': n - len(set(seen)),
        'dupes': len(seen) - len(set(seen)),
    }
`

/** argv: bootstrap topic partitions -> creates the topic with AdminClient. */
export const CK_CREATE_TOPIC = `
import sys, json
from confluent_kafka.admin import AdminClient, NewTopic
b, topic, parts = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = AdminClient({'bootstrap.servers': b})
for t, f in a.create_topics([NewTopic(topic, num_partitions=parts, replication_factor=1)], request_timeout=15).items():
    f.result(20)
md = a.list_topics(topic, timeout=10)
print(json.dumps({'partitions': len(md.topics[topic].partitions)}))
`

/** argv: bootstrap topic n [compression] -> {acked, errors}. */
export const CK_PRODUCE = `
import sys, json
from confluent_kafka import Producer
b, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
codec = sys.argv[4] if len(sys.argv) > 4 else 'none'
p = Producer({'bootstrap.servers': b, 'linger.ms': 5, 'compression.codec': codec, 'acks': 'all'})
acked = [0]
errors = []
def dr(err, msg):
    if err is None: acked[0] += 1
    else: errors.append(str(err))
for i in range(n):
    while True:
        try:
            p.produce(topic, key=b'k%d' % (i % 997), value=b'%d' % i, on_delivery=dr)
            break
        except BufferError:
            p.poll(0.05)
    if i % 1000 == 0: p.poll(0)
left = p.flush(60)
print(json.dumps({'acked': acked[0], 'errors': errors[:5], 'unflushed': left}))
`

/** argv: bootstrap topic n -> summary. Assigns every partition at offset 0 (no group). */
export const CK_CONSUME = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition
b, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
${SUMMARY}
c = Consumer({'bootstrap.servers': b, 'group.id': 'unused', 'enable.auto.commit': False, 'enable.partition.eof': False})
md = c.list_topics(topic, timeout=10)
c.assign([TopicPartition(topic, p, 0) for p in md.topics[topic].partitions])
rows = []
deadline = time.time() + 60
while len(rows) < n and time.time() < deadline:
    for m in c.consume(10000, 1.0):
        if m.error() is None:
            rows.append((m.partition(), m.offset(), m.key(), m.value()))
c.close()
print(json.dumps(summarize(rows, n)))
`

/** argv: bootstrap topic -> seek inside a partition: {first, firstAfterSeek}. */
export const CK_SEEK = `
import sys, json
from confluent_kafka import Consumer, TopicPartition
b, topic = sys.argv[1], sys.argv[2]
c = Consumer({'bootstrap.servers': b, 'group.id': 'unused', 'enable.auto.commit': False})
tp = TopicPartition(topic, 0, 0)
c.assign([tp])
def next_msg():
    while True:
        m = c.poll(10)
        if m is None: raise SystemExit('no message')
        if m.error() is None: return m
first = next_msg()
c.seek(TopicPartition(topic, 0, 5))
after = next_msg()
lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
times = c.offsets_for_times([TopicPartition(topic, 0, first.timestamp()[1])], timeout=10)
c.close()
print(json.dumps({'first': first.offset(), 'afterSeek': after.offset(), 'low': lo, 'high': hi, 'byTime': times[0].offset}))
`

/** argv: bootstrap topic n [api_version e.g. 0.10.1] -> {acked, errors}. */
export const KP_PRODUCE = `
import sys, json
from kafka import KafkaProducer
b, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
kw = {'api_version': tuple(int(x) for x in sys.argv[4].split('.'))} if len(sys.argv) > 4 else {}
p = KafkaProducer(bootstrap_servers=b, acks=1, linger_ms=5, batch_size=65536, max_in_flight_requests_per_connection=1, **kw)
futures = [p.send(topic, key=b'k%d' % (i % 997), value=b'%d' % i) for i in range(n)]
p.flush(120)
acked = 0
errors = []
for f in futures:
    try:
        f.get(0); acked += 1
    except Exception as e:
        errors.append(repr(e))
p.close()
print(json.dumps({'acked': acked, 'errors': errors[:5]}))
`

/** argv: bootstrap topic n [api_version] -> summary (assign + seek_to_beginning, no group). */
export const KP_CONSUME = `
import sys, json, time
from kafka import KafkaConsumer, TopicPartition
b, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
kw = {'api_version': tuple(int(x) for x in sys.argv[4].split('.'))} if len(sys.argv) > 4 else {}
${SUMMARY}
c = KafkaConsumer(bootstrap_servers=b, enable_auto_commit=False, max_partition_fetch_bytes=1 << 20, **kw)
parts = c.partitions_for_topic(topic)
deadline = time.time() + 60
while not parts and time.time() < deadline:
    time.sleep(0.2); parts = c.partitions_for_topic(topic)
tps = [TopicPartition(topic, p) for p in sorted(parts)]
c.assign(tps)
c.seek_to_beginning(*tps)
rows = []
while len(rows) < n and time.time() < deadline:
    for tp, msgs in c.poll(timeout_ms=1000, max_records=20000).items():
        rows.extend((m.partition, m.offset, m.key, m.value) for m in msgs)
c.close()
print(json.dumps(summarize(rows, n)))
`
