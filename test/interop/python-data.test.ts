// Python clients against a real `samsa start` process: confluent_kafka (librdkafka 2.0.2) and
// kafka-python 2.0.2 (which probes with ApiVersions v0 + Metadata v0), also pinned to
// api_version (0,10,1) so magic 1 message sets go in (Produce v2) and come out (Fetch v3).
// 100,000 keyed messages over 6 partitions through each client arrive exactly once, in order per
// partition, at contiguous offsets — and are all still there after a clean restart and a SIGKILL.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runPython } from '../helpers/run.ts'
import { CK_CONSUME, CK_CREATE_TOPIC, CK_PRODUCE, CK_SEEK, KP_CONSUME, KP_PRODUCE } from './py-data-scripts.ts'

const N = 100_000

interface Summary {
  count: number
  partitions: Record<string, number>
  contiguous: boolean
  ordered: boolean
  keys: boolean
  missing: number
  dupes: number
}

async function py<T>(source: string, args: string[], module: string, timeoutMs = 120_000): Promise<T> {
  const r = await runPython(source, args, { modules: [module], timeoutMs })
  const line = r.stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as T
}

function assertComplete(s: Summary, n: number, partitions: number, what: string): void {
  assert.equal(s.count, n, `${what}: count`)
  assert.equal(s.missing, 0, `${what}: missing`)
  assert.equal(s.dupes, 0, `${what}: duplicates`)
  assert.equal(s.contiguous, true, `${what}: offsets contiguous from 0 in every partition`)
  assert.equal(s.ordered, true, `${what}: order within each partition`)
  assert.equal(s.keys, true, `${what}: keys`)
  assert.equal(Object.keys(s.partitions).length, partitions, `${what}: keyed messages spread over every partition`)
}

describe('Python clients', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa()
  })
  after(async () => {
    await broker?.close()
  })

  const create = async (topic: string, partitions: number) => {
    const r = await py<{ partitions: number }>(CK_CREATE_TOPIC, [broker.bootstrap, topic, String(partitions)], 'confluent_kafka')
    assert.equal(r.partitions, partitions)
  }

  it('confluent_kafka: 100,000 keyed messages over 6 partitions, consumed by assignment', async () => {
    await create('ck-keyed', 6)
    const p = await py<{ acked: number; errors: string[] }>(CK_PRODUCE, [broker.bootstrap, 'ck-keyed', String(N), 'lz4'], 'confluent_kafka')
    assert.deepEqual(p.errors, [])
    assert.equal(p.acked, N)
    assertComplete(await py<Summary>(CK_CONSUME, [broker.bootstrap, 'ck-keyed', String(N)], 'confluent_kafka'), N, 6, 'confluent_kafka')
  })

  it('confluent_kafka: seek, watermarks and offsets for times', async () => {
    await create('ck-seek', 1)
    await py(CK_PRODUCE, [broker.bootstrap, 'ck-seek', '20'], 'confluent_kafka')
    const r = await py<Record<string, number>>(CK_SEEK, [broker.bootstrap, 'ck-seek'], 'confluent_kafka')
    assert.deepEqual(r, { first: 0, afterSeek: 5, low: 0, high: 20, byTime: 0 })
  })

  it('kafka-python: 100,000 keyed messages over 6 partitions, consumed by assignment', async () => {
    await create('kp-keyed', 6)
    const p = await py<{ acked: number; errors: string[] }>(KP_PRODUCE, [broker.bootstrap, 'kp-keyed', String(N)], 'kafka')
    assert.deepEqual(p.errors, [])
    assert.equal(p.acked, N)
    assertComplete(await py<Summary>(KP_CONSUME, [broker.bootstrap, 'kp-keyed', String(N)], 'kafka'), N, 6, 'kafka-python')
  })

  it('kafka-python with api_version (0,10,1): magic 1 in, magic 1 out', async () => {
    await create('kp-legacy', 3)
    const n = 3000
    const p = await py<{ acked: number; errors: string[] }>(KP_PRODUCE, [broker.bootstrap, 'kp-legacy', String(n), '0.10.1'], 'kafka')
    assert.deepEqual(p.errors, [])
    assert.equal(p.acked, n)
    assertComplete(await py<Summary>(KP_CONSUME, [broker.bootstrap, 'kp-legacy', String(n), '0.10.1'], 'kafka'), n, 3, 'kafka-python 0.10.1')
    // The same data read by a modern client (stored as magic 2).
    assertComplete(await py<Summary>(CK_CONSUME, [broker.bootstrap, 'kp-legacy', String(n)], 'confluent_kafka'), n, 3, 'confluent_kafka reading legacy')
  })

  it('every acknowledged message survives a clean restart and a SIGKILL', async () => {
    for (const crash of [false, true]) {
      await broker.restart({ crash })
      for (const topic of ['ck-keyed', 'kp-keyed']) {
        const s = await py<Summary>(CK_CONSUME, [broker.bootstrap, topic, String(N)], 'confluent_kafka')
        assertComplete(s, N, 6, `${topic} after ${crash ? 'SIGKILL' : 'SIGTERM'}`)
      }
    }
  })
})
