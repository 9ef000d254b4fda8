// Two real `samsa start` brokers over a real three-member etcd. Losing one etcd member changes
// nothing visible; losing etcd quorum keeps the partition leaders serving acks=all produce and
// fetch (kcat), refuses metadata changes with a clear error (and one log line per broker), and
// everything recovers by itself when quorum returns.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { startTestEtcdCluster } from '../helpers/etcd.ts'
import type { TestEtcdCluster } from '../helpers/etcd.ts'
import { runKcat } from '../helpers/run.ts'
import { Admin } from '../../src/client/index.ts'
import { KafkaError } from '../../src/client/errors.ts'

let etcd: TestEtcdCluster
let brokers: SamsaBroker[] = []
let admin: Admin

before(async () => {
  etcd = await startTestEtcdCluster(3)
  const connect = etcd.connect()
  brokers = await Promise.all([1, 2].map((id) => startSamsa({
    settings: { 'node.id': String(id), 'etcd.connect': connect, 'broker.session.timeout.ms': '6000', 'broker.heartbeat.interval.ms': '1000' },
    readyTimeoutMs: 60_000,
  })))
  admin = new Admin({ bootstrapServers: brokers.map((b) => b.bootstrap).join(',') })
})

after(async () => {
  await admin?.close()
  await Promise.all(brokers.map((b) => b.close()))
  await etcd?.close()
})

const bootstrap = () => brokers.map((b) => b.bootstrap).join(',')

async function produce(topic: string, values: string[]): Promise<void> {
  await runKcat(bootstrap(), ['-P', '-t', topic, '-p', '0', '-X', 'acks=all', '-X', 'message.timeout.ms=10000'], { input: values.join('\n') + '\n', timeoutMs: 20_000 })
}

async function consumeAll(topic: string): Promise<string[]> {
  const r = await runKcat(bootstrap(), ['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { timeoutMs: 20_000 })
  return r.stdout.split('\n').filter((l) => l !== '')
}

/** Waits (bounded) until the broker has printed `text`. */
async function printed(b: SamsaBroker, text: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!b.output().includes(text)) {
    assert.ok(Date.now() < deadline, `broker did not print "${text}" within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

test('etcd: one member down changes nothing; quorum lost keeps produce/fetch and refuses metadata changes clearly; quorum back recovers', async () => {
  await admin.createTopics([{ topic: 'q', numPartitions: 1, replicationFactor: 2, configs: { 'min.insync.replicas': '2' } }])
  await produce('q', values('a', 20))

  await etcd.kill(0)
  await produce('q', values('b', 20))
  await admin.createTopics([{ topic: 'q-one-down', numPartitions: 1, replicationFactor: 2 }])

  await etcd.kill(1)
  // Each broker notices at its next lease renewal (its retries spent) and says so once.
  await Promise.all(brokers.map((b) => printed(b, 'cannot reach etcd', 20_000)))
  // Without quorum: the leaders keep serving acks=all writes (ISR unchanged, nothing to write to etcd).
  await produce('q', values('c', 20))
  assert.deepEqual(await consumeAll('q'), [...values('a', 20), ...values('b', 20), ...values('c', 20)])
  // A metadata change is refused with an error that says why.
  const t0 = Date.now()
  // (REQUEST_TIMED_OUT is retriable: a client would retry; this one asks once to see the answer.)
  const once = new Admin({ bootstrapServers: bootstrap(), retries: 0 })
  const refused = await once.createTopics([{ topic: 'q-no-quorum', numPartitions: 1, replicationFactor: 2 }]).then(() => undefined, (err: unknown) => err)
  await once.close()
  assert.ok(refused instanceof KafkaError, `CreateTopics without etcd quorum: ${String(refused)}`)
  assert.match(refused.message, /etcd|metadata/i, 'the error names the metadata store')
  process.stdout.write(`# without quorum: CreateTopics refused after ${Date.now() - t0} ms: ${refused.message}\n`)

  await etcd.start(0)
  // Quorum back: metadata changes work again without restarting anything.
  const t1 = Date.now()
  for (;;) {
    try {
      await admin.createTopics([{ topic: 'q-after', numPartitions: 1, replicationFactor: 2 }])
      break
    } catch (err) {
      // A try refused as "outcome unknown" may have committed once etcd settled (as with Kafka's
      // controller timing out): the retry then finds the topic, which is success.
      if (err instanceof KafkaError && err.code === 36) break
      if (Date.now() - t1 > 30_000) throw err
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  process.stdout.write(`# quorum back: CreateTopics worked after ${Date.now() - t1} ms\n`)
  await produce('q-after', values('d', 5))
  assert.deepEqual(await consumeAll('q-after'), values('d', 5))
  await produce('q', values('e', 5))
  assert.equal((await consumeAll('q')).length, 65)
  await Promise.all(brokers.map((b) => printed(b, 'etcd reachable again', 15_000)))
  for (const b of brokers) {
    assert.ok(b.pid !== undefined, 'both brokers stayed up')
    const warnings = b.output().split('\n').filter((l) => l.includes('cannot reach etcd'))
    assert.equal(warnings.length, 1, 'one warning for the outage, not one per retry')
  }
})
