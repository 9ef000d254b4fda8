// Client quotas with real clients against `runBroker` (real clock; quota.window.num=2 so a
// throttle shows within seconds): @platformatic/kafka's Admin alters and describes them;
// confluent_kafka (librdkafka) producers, one with a client id over its producer_byte_rate and
// one without a quota, report throttle events through throttle_cb and the throttled one's
// measured rate stays near its quota while the other runs unthrottled.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '@platformatic/kafka'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { runPython } from '../../helpers/run.ts'
import { Admin as SamsaAdmin } from '../../../src/client/index.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'

const QUOTA = 100_000

const PRODUCE = `
import sys, time, json
from confluent_kafka import Producer
bootstrap, topic, client_id, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
throttles = []
errors = []
p = Producer({'bootstrap.servers': bootstrap, 'client.id': client_id, 'linger.ms': 5, 'batch.size': 16384,
              'throttle_cb': lambda ev: throttles.append(ev.throttle_time)})
def delivered(err, msg):
    if err is not None:
        errors.append(str(err))
value = b'x' * 1000
start = time.time()
for i in range(n):
    while True:
        try:
            p.produce(topic, value, on_delivery=delivered)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
left = p.flush(30)
print(json.dumps({'seconds': time.time() - start, 'left': left, 'errors': errors[:3], 'throttles': len(throttles),
                  'max_throttle_ms': max(throttles) * 1000 if throttles else 0}))
`

interface Run { seconds: number, left: number, errors: string[], throttles: number, max_throttle_ms: number }

const dir = makeTempDir('samsa-quota-clients-')
let broker: RunningBroker
let bootstrap: string

before(async () => {
  const config = new BrokerConfig(Object.entries({
    'listeners': 'PLAINTEXT://127.0.0.1:0', 'admin.listeners': '', 'log.dirs': dir, 'num.partitions': '1',
    'quota.window.num': '2', 'quota.window.size.seconds': '1',
  }))
  broker = await runBroker(config, { log: silentLogger() })
  bootstrap = `127.0.0.1:${broker.bound[0].port}`
})
after(async () => {
  await broker?.close()
  removeTempDir(dir)
})

describe('client quotas with real clients', () => {
  it('@platformatic/kafka Admin alters and describes quotas', async () => {
    const admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [bootstrap], retries: 2 })
    try {
      const altered = await admin.alterClientQuotas({
        entries: [{ entities: [{ entityType: 'client-id', entityName: 'throttled' }], ops: [{ key: 'producer_byte_rate', value: QUOTA, remove: false }] }],
      })
      assert.deepEqual(altered.map((e) => e.errorCode), [0])
      const listed = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 0, match: 'throttled' }] })
      assert.deepEqual(listed.map((e) => [e.entity, e.values]), [[[{ entityType: 'client-id', entityName: 'throttled' }], [{ key: 'producer_byte_rate', value: QUOTA }]]])
    } finally {
      await admin.close()
    }
  })

  it('samsa/client Admin alters, describes (filters) and removes quotas', async () => {
    const admin = new SamsaAdmin({ bootstrapServers: bootstrap })
    try {
      await admin.alterClientQuotas([
        { entity: { user: 'erin', 'client-id': null }, set: { consumer_byte_rate: 5000, request_percentage: 25.5 } },
        { entity: { user: null }, set: { producer_byte_rate: 7000 } },
      ])
      assert.deepEqual(await admin.describeClientQuotas({ user: 'erin' }), [{ entity: { user: 'erin', 'client-id': null }, values: { consumer_byte_rate: 5000, request_percentage: 25.5 } }])
      assert.deepEqual(await admin.describeClientQuotas({ user: null }, true), [{ entity: { user: null }, values: { producer_byte_rate: 7000 } }])
      await assert.rejects(admin.alterClientQuotas([{ entity: { user: 'erin' }, set: { producer_byte_rate: 1.5 } }]), /fractional/)
      await admin.alterClientQuotas([
        { entity: { user: 'erin', 'client-id': null }, set: { consumer_byte_rate: null, request_percentage: null } },
        { entity: { user: null }, set: { producer_byte_rate: null } },
      ])
      assert.deepEqual(await admin.describeClientQuotas({ user: undefined }), [])
    } finally {
      await admin.close()
    }
  })

  it('confluent_kafka: the client over its producer_byte_rate is throttled to near it; the other is not', async () => {
    const n = 600 // ~600 KB: about 5 s at the quota after the first window's allowance
    const run = async (clientId: string) => JSON.parse((await runPython(PRODUCE, [bootstrap, 'quota-topic', clientId, String(n)],
      { modules: ['confluent_kafka'], timeoutMs: 40_000 })).stdout) as Run
    const free = await run('free')
    const slow = await run('throttled')
    assert.equal(free.left + slow.left, 0)
    assert.deepEqual([...free.errors, ...slow.errors], [])
    assert.equal(free.throttles, 0)
    assert.ok(slow.throttles > 0, 'librdkafka reported throttling')
    const rate = (n * 1000) / slow.seconds
    // The first window's allowance lets ~1 s worth through at once, so the average sits a little above.
    assert.ok(rate < QUOTA * 1.5, `throttled producer at ${Math.round(rate)} B/s, quota ${QUOTA}`)
    assert.ok(rate > QUOTA * 0.4, `throttled producer at ${Math.round(rate)} B/s, quota ${QUOTA}`)
    assert.ok(free.seconds < slow.seconds / 2, `unthrottled ${free.seconds.toFixed(2)} s, throttled ${slow.seconds.toFixed(2)} s`)
    console.log(`# quota ${QUOTA} B/s: throttled producer ${Math.round(rate)} B/s over ${slow.seconds.toFixed(2)} s (${slow.throttles} throttle events, max ${Math.round(slow.max_throttle_ms)} ms); unthrottled ${Math.round(n * 1000 / free.seconds)} B/s`)
  })
})
