// Kafka's admin tools send broker keys that do nothing in Samsa (SASL/Kerberos, TLS, tiered
// storage...): accepted and reported like Kafka, refused where Kafka refuses a dynamic update.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import kafkajs from 'kafkajs'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { runKafkaJs } from '../../helpers/kafkajs.ts'

const { ConfigResourceTypes } = kafkajs
let broker: Broker

before(async () => {
  broker = await startBroker({})
})
after(async () => {
  await broker.close()
})

test('KafkaJS alters and describes a Kafka broker key that has no effect in Samsa', async () => {
  const { value } = await runKafkaJs([`127.0.0.1:${broker.port}`], async (kafka) => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      const resource = (configEntries: { name: string, value: string }[]) => ({ type: ConfigResourceTypes.BROKER, name: '1', configEntries })
      await admin.alterConfigs({ validateOnly: false, resources: [resource([{ name: 'sasl.kerberos.min.time.before.relogin', value: '120000' }])] })
      const refused = await admin.alterConfigs({ validateOnly: false, resources: [resource([{ name: 'remote.log.manager.thread.pool.size', value: '4' }])] })
        .then(() => 'accepted', (e: { type?: string }) => e.type)
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1',
        configNames: ['sasl.kerberos.min.time.before.relogin', 'ssl.keystore.password', 'remote.log.manager.thread.pool.size'] }] })
      return { refused, entries: described.resources[0].configEntries.map((e: { configName: string, configValue: string | null, readOnly: boolean, configSource: number, isSensitive: boolean }) =>
        [e.configName, e.configValue, e.readOnly, e.configSource, e.isSensitive]) }
    } finally {
      await admin.disconnect()
    }
  })
  assert.equal(value.refused, 'INVALID_CONFIG', 'read-only in Kafka too')
  assert.deepEqual(value.entries, [
    ['sasl.kerberos.min.time.before.relogin', '120000', false, 2, false],
    ['ssl.keystore.password', null, false, 5, true],
    ['remote.log.manager.thread.pool.size', '2', true, 5, false],
  ])
})
