# Starts librdkafka's built-in mock cluster and prints "host:port" of each broker, one per line,
# then "ready". The cluster lives as long as this process: it exits when stdin closes.
import sys
from confluent_kafka import Producer

brokers = int(sys.argv[1]) if len(sys.argv) > 1 else 1
producer = Producer({'test.mock.num.brokers': brokers, 'log_level': 0})
metadata = producer.list_topics(timeout=10)
for broker in sorted(metadata.brokers.values(), key=lambda b: b.id):
    print(f'{broker.host}:{broker.port}', flush=True)
print('ready', flush=True)
sys.stdin.read()
