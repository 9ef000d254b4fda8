// What each client does while its frames are recorded. Every scenario talks to a fresh proxy in
// front of the shared mock cluster; together they cover bootstrap, produce, consume (with and
// without a group), and librdkafka's transactional producer (flexible InitProducerId etc.).
import { Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import { runKcat, runPython } from '../../test/helpers/run.ts'
import { runKafkaJs } from '../../test/helpers/kafkajs.ts'

export interface FrameScenario {
  client: string
  /** Drives the client against `address` (host:port of the proxy). */
  run(address: string): Promise<void>
  /** Api key -> version the proxy advertises, beyond the translator's defaults (see translate.ts). */
  advertise?: Record<number, number>
}

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}:value ${i}\n`).join('')

const kcat: FrameScenario = {
  client: 'kcat',
  async run(address) {
    const quick = { timeoutMs: 30_000 }
    await runKcat(address, ['-L'], quick)
    await runKcat(address, ['-P', '-t', 'frames-kcat', '-K:', '-H', 'h1=v1', '-X', 'linger.ms=50'], {
      ...quick,
      input: lines('kcat', 4),
    })
    await runKcat(address, ['-C', '-t', 'frames-kcat', '-p', '0', '-o', 'beginning', '-e'], quick)
    await runKcat(
      address,
      ['-G', 'kcat-group', '-X', 'auto.commit.interval.ms=100', '-X', 'heartbeat.interval.ms=200', '-X', 'auto.offset.reset=earliest', '-e', 'frames-kcat'],
      quick,
    )
  },
}

const kafkajs: FrameScenario = {
  client: 'kafkajs',
  async run(address) {
    await runKafkaJs([address], async (kafka) => {
      const topic = 'frames-kafkajs'
      const producer = kafka.producer({ allowAutoTopicCreation: true })
      await producer.connect()
      try {
        await producer.send({
          topic,
          messages: [0, 1, 2].map((i) => ({ key: `kafkajs-${i}`, value: `value ${i}`, partition: 0, headers: { h1: 'v1' } })),
        })
      } finally {
        await producer.disconnect()
      }
      const consumer = kafka.consumer({ groupId: 'kafkajs-group', heartbeatInterval: 200 })
      await consumer.connect()
      try {
        await consumer.subscribe({ topic, fromBeginning: true })
        let seen = 0
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async () => {
                if (++seen === 3) setTimeout(resolve, 800) // let a heartbeat and a commit happen
              },
            })
            .catch(reject)
        })
      } finally {
        await consumer.disconnect()
      }
    }, { timeoutMs: 60_000 })
  },
}

const KAFKA_PYTHON = `
import sys
from kafka import KafkaProducer, KafkaConsumer
bootstrap = sys.argv[1]
producer = KafkaProducer(bootstrap_servers=bootstrap)
for i in range(3):
    producer.send('frames-kafka-python', key=b'kp-%d' % i, value=b'value %d' % i, partition=0,
                  headers=[('h1', b'v1')])
producer.flush()
producer.close()
consumer = KafkaConsumer('frames-kafka-python', bootstrap_servers=bootstrap, group_id='kp-group',
                         auto_offset_reset='earliest', consumer_timeout_ms=3000,
                         heartbeat_interval_ms=200)
got = [m for m in consumer]
consumer.commit()
consumer.close()
print(len(got))
`

const kafkaPython: FrameScenario = {
  client: 'kafka-python',
  async run(address) {
    const r = await runPython(KAFKA_PYTHON, [address], { modules: ['kafka'], timeoutMs: 60_000 })
    if (Number(r.stdout.trim()) < 3) throw new Error(`kafka-python consumed ${r.stdout.trim()} messages`)
  },
}

const CONFLUENT = `
import sys
from confluent_kafka import Producer, Consumer, TopicPartition
bootstrap = sys.argv[1]
p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'golden-txn', 'linger.ms': 20})
p.init_transactions(10)
p.begin_transaction()
for i in range(3):
    p.produce('frames-confluent', key=b'ck-%d' % i, value=b'value %d' % i, partition=0, headers=[('h1', b'v1')])
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'confluent-group', 'auto.offset.reset': 'earliest',
              'enable.auto.commit': False})
c.assign([TopicPartition('frames-confluent', 0, 0)])
p.send_offsets_to_transaction([TopicPartition('frames-confluent', 0, 1)], c.consumer_group_metadata(), 10)
p.commit_transaction(10)
got = 0
while got < 3:
    m = c.poll(5)
    if m is None:
        break
    if m.error() is None:
        got += 1
c.close()
print(got)
`

const confluent: FrameScenario = {
  client: 'confluent-kafka',
  async run(address) {
    const r = await runPython(CONFLUENT, [address], { modules: ['confluent_kafka'], timeoutMs: 60_000 })
    if (Number(r.stdout.trim()) < 3) throw new Error(`confluent_kafka consumed ${r.stdout.trim()} messages`)
  },
}

// @platformatic/kafka 1.35 needs ApiVersions v3 and sends exactly the advertised maximum, so
// with Produce advertised up to Kafka's 11 it shows the flexible Produce and Metadata forms.
const platformatic: FrameScenario = {
  client: 'platformatic',
  // Kafka's maxima. (At Fetch v12, 1.35 writes the topic id where the name belongs: it needs v13+.)
  advertise: { 0: 11, 1: 17, 2: 9, 8: 9, 9: 9, 10: 6, 11: 9, 12: 4, 13: 5, 14: 5 },
  async run(address) {
    const producer = new Producer({
      clientId: 'samsa-golden',
      bootstrapBrokers: [address],
      serializers: stringSerializers,
      retries: 2,
      timeout: 10_000,
    })
    try {
      await producer.send({
        messages: [0, 1, 2].map((i) => ({
          topic: 'frames-platformatic',
          partition: 0,
          key: `pk-${i}`,
          value: `value ${i}`,
          headers: { h1: 'v1' },
        })),
      })
      // The mock answers ListOffsets for an empty partition with UNKNOWN_SERVER_ERROR; fill them.
      await producer.send({ messages: [1, 2, 3].map((partition) => ({ topic: 'frames-platformatic', partition, value: 'fill' })) })
    } finally {
      await producer.close()
    }
    const consumer = new Consumer({
      groupId: 'platformatic-group',
      clientId: 'samsa-golden',
      bootstrapBrokers: [address],
      deserializers: stringDeserializers,
      retries: 2,
      timeout: 10_000,
    })
    try {
      const stream = await consumer.consume({
        topics: ['frames-platformatic'],
        mode: MessagesStreamModes.EARLIEST,
        autocommit: true,
        sessionTimeout: 10_000,
        heartbeatInterval: 200,
      })
      let seen = 0
      for await (const _message of stream) {
        if (++seen === 6) break
      }
      await new Promise((resolve) => setTimeout(resolve, 500)) // a heartbeat and the autocommit
      await stream.close()
    } finally {
      await consumer.close()
    }
  },
}

export const FRAME_SCENARIOS: FrameScenario[] = [kcat, kafkajs, kafkaPython, confluent, platformatic]
