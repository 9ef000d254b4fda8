// SASL with the other real clients: kafka-python over SASL_PLAINTEXT (SaslHandshake v0, then bare
// tokens) with PLAIN and SCRAM; KafkaJS and @platformatic/kafka with SCRAM over SASL_SSL. A wrong
// password is refused and the broker keeps serving.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Producer, Consumer, stringSerializers, stringDeserializers, MessagesStreamModes } from '@platformatic/kafka'
import type { SASLOptions } from 'kafkajs'
import type { TestCerts } from '../../helpers/certs.ts'
import { runPython } from '../../helpers/run.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
import type { SecureBroker } from './secure-broker.ts'
import { startSaslBroker } from './sasl-fixture.ts'

describe('SASL with kafka-python, KafkaJS and @platformatic/kafka', () => {
  let certs: TestCerts
  let broker: SecureBroker
  before(async () => {
    ({ certs, broker } = await startSaslBroker())
  })
  after(async () => {
    await broker?.close()
  })

  it('kafka-python over SASL_PLAINTEXT (SaslHandshake v0, bare tokens) with PLAIN and SCRAM-SHA-256', async () => {
    const script = `
import sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bs, mech, user, pw, topic = sys.argv[1:6]
auth = dict(security_protocol='SASL_PLAINTEXT', sasl_mechanism=mech, sasl_plain_username=user, sasl_plain_password=pw)
p = KafkaProducer(bootstrap_servers=bs, request_timeout_ms=10000, **auth)
for i in range(3):
    p.send(topic, ('%s-%d' % (mech, i)).encode()).get(timeout=10)
p.close()
c = KafkaConsumer(bootstrap_servers=bs, consumer_timeout_ms=10000, **auth)
tp = TopicPartition(topic, 0)
c.assign([tp])
c.seek_to_beginning(tp)
got = []
for m in c:
    got.append(m.value.decode())
    if len(got) == 3:
        break
print(','.join(got))
c.close()
`
    for (const [mechanism, user, password] of [['PLAIN', 'bob', 'bob secret'], ['SCRAM-SHA-256', 'carol', 'carol-256']]) {
      const r = await runPython(script, [broker.bootstrap('SASL_PLAINTEXT'), mechanism, user, password, `py-${mechanism.toLowerCase()}`],
        { modules: ['kafka'], timeoutMs: 20_000 })
      assert.equal(r.stdout.trim(), [0, 1, 2].map((i) => `${mechanism}-${i}`).join(','))
    }
  })

  it('kafka-python with a wrong password is refused (the connection closes)', async () => {
    const script = `
import sys
from kafka import KafkaProducer
try:
    KafkaProducer(bootstrap_servers=sys.argv[1], security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN',
                  sasl_plain_username='bob', sasl_plain_password='nope', api_version=(2, 5), request_timeout_ms=3000, max_block_ms=3000).send('x', b'x').get(timeout=3)
    print('accepted')
except Exception as e:
    print('refused', type(e).__name__)
`
    const r = await runPython(script, [broker.bootstrap('SASL_PLAINTEXT')], { modules: ['kafka'], timeoutMs: 20_000 })
    assert.match(r.stdout, /^refused/)
  })

  it('KafkaJS with SCRAM-SHA-256 and SCRAM-SHA-512 over SASL_SSL', async () => {
    for (const [mechanism, password] of [['scram-sha-256', 'carol-256'], ['scram-sha-512', 'carol-512']] as const) {
      const topic = `kjs-${mechanism}`
      const { value } = await runKafkaJs([broker.bootstrap('SASL_SSL')], async (kafka) => {
        const producer = kafka.producer({ allowAutoTopicCreation: true })
        await producer.connect()
        try {
          await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] })
        } finally {
          await producer.disconnect()
        }
        const admin = kafka.admin()
        await admin.connect()
        try {
          return await admin.fetchTopicOffsets(topic)
        } finally {
          await admin.disconnect()
        }
      }, { timeoutMs: 20_000, config: { ssl: { ca: [readFileSync(certs.ca, 'utf8')] }, sasl: { mechanism, username: 'carol', password } as SASLOptions } })
      assert.equal(value[0].high, '2')
    }
  })

  it('@platformatic/kafka with SCRAM-SHA-512 over SASL_SSL', async () => {
    const common = {
      clientId: 'samsa-sec', bootstrapBrokers: [broker.bootstrap('SASL_SSL')], retries: 2,
      tls: { ca: readFileSync(certs.ca, 'utf8') }, sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'carol', password: 'carol-512' },
    }
    const producer = new Producer({ ...common, serializers: stringSerializers, autocreateTopics: true })
    try {
      await producer.send({ messages: [{ topic: 'plt-scram', key: 'k', value: 'v1', partition: 0 }, { topic: 'plt-scram', key: 'k', value: 'v2', partition: 0 }] })
    } finally {
      await producer.close()
    }
    const consumer = new Consumer({ ...common, groupId: 'plt-scram-group', deserializers: stringDeserializers })
    try {
      const stream = await consumer.consume({ topics: ['plt-scram'], mode: MessagesStreamModes.EARLIEST, maxWaitTime: 200 })
      const seen: string[] = []
      for await (const m of stream) {
        seen.push(m.value as string)
        if (seen.length === 2) break
      }
      await stream.close()
      assert.deepEqual(seen, ['v1', 'v2'])
    } finally {
      await consumer.close(true)
    }
  })
})
