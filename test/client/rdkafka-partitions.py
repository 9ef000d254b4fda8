# Produces each key (hex, one per line on stdin) with librdkafka's murmur2_random partitioner and
# prints the partition librdkafka chose for it, in input order: the reference for samsa/client.
import sys
from confluent_kafka import Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
keys = [bytes.fromhex(line.strip()) for line in sys.stdin if line.strip()]
partitions = [None] * len(keys)
producer = Producer({'bootstrap.servers': bootstrap, 'partitioner': 'murmur2_random', 'linger.ms': 20, 'log_level': 0})

def report(i):
    def cb(err, msg):
        if err is not None:
            raise SystemExit(f'delivery failed: {err}')
        partitions[i] = msg.partition()
    return cb

for i, key in enumerate(keys):
    producer.produce(topic, key=key, value=b'', on_delivery=report(i))
    producer.poll(0)
left = producer.flush(30)
if left:
    raise SystemExit(f'{left} messages not delivered')
print('\n'.join(str(p) for p in partitions))
