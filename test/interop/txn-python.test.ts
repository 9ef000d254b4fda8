// Exactly-once with confluent_kafka (librdkafka 2.0.2) against a real `samsa start` process:
// an idempotent producer across SIGKILLs (no duplicates, no gaps), transactions seen by
// read_committed vs read_uncommitted consumers, consume-transform-produce with
// send_offsets_to_transaction across SIGKILLs (every input exactly once in the output), zombie
// fencing, and a transaction the broker aborts on timeout (the LSO moves on).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runPython } from '../helpers/run.ts'
import { CK_CREATE_TOPIC, CK_PRODUCE } from './py-data-scripts.ts'
import { CK_CTP, CK_IDEMPOTENT_PRODUCE, CK_READ_ALL, CK_TXN_COMMIT_ABORT, CK_TXN_TIMEOUT, CK_ZOMBIE } from './txn-py-scripts.ts'

async function py<T>(source: string, args: string[], timeoutMs = 180_000): Promise<T> {
  const r = await runPython(source, args, { modules: ['confluent_kafka'], timeoutMs })
  const line = r.stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as T
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Row = [number, number, string]

describe('exactly-once with confluent_kafka', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({ settings: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '500' } })
  })
  after(async () => {
    await broker?.close()
  })

  const create = (topic: string, partitions: number) => py(CK_CREATE_TOPIC, [broker.bootstrap, topic, String(partitions)])
  const readAll = async (topic: string, iso: string, expected: number, idle = 1.5) =>
    (await py<{ rows: Row[] }>(CK_READ_ALL, [broker.bootstrap, topic, iso, String(expected), String(idle)])).rows

  it('idempotent producer across two SIGKILLs: every message exactly once, in order per partition', async () => {
    const n = 30_000
    await create('eos-idem', 4)
    const producing = py<{ acked: number, errors: string[], unflushed: number }>(CK_IDEMPOTENT_PRODUCE, [broker.bootstrap, 'eos-idem', String(n)])
    await sleep(1500)
    await broker.restart({ crash: true })
    await sleep(1500)
    await broker.restart({ crash: true })
    const p = await producing
    assert.deepEqual(p.errors, [])
    assert.equal(p.acked, n)
    const rows = await readAll('eos-idem', 'read_uncommitted', n)
    const values = rows.map((r) => Number(r[2]))
    assert.equal(values.length, n, 'no duplicates')
    assert.equal(new Set(values).size, n, 'no gaps')
    const byPartition = new Map<number, number[]>()
    for (const [p, , v] of rows) byPartition.set(p, [...(byPartition.get(p) ?? []), Number(v)])
    for (const list of byPartition.values()) for (let i = 1; i < list.length; i++) assert.ok(list[i - 1]! < list[i]!, 'ordered within a partition')
  })

  it('transactions: read_committed sees only committed records, read_uncommitted sees aborted ones too', async () => {
    await create('eos-txn', 1)
    await py(CK_TXN_COMMIT_ABORT, [broker.bootstrap, 'eos-txn', 'txn-basic'])
    const committed = (await readAll('eos-txn', 'read_committed', 15)).map((r) => r[2])
    assert.deepEqual(committed, [...Array.from({ length: 10 }, (_, i) => `commit-a-${i}`), ...Array.from({ length: 5 }, (_, i) => `commit-b-${i}`)])
    const all = (await readAll('eos-txn', 'read_uncommitted', 22)).map((r) => r[2])
    assert.equal(all.length, 22)
    assert.equal(all.filter((v) => v.startsWith('abort-')).length, 7)
  })

  it('zombie fencing: the older producer with the same transactional.id is fenced', async () => {
    await create('eos-zombie', 1)
    const r = await py<{ old: string, new: string }>(CK_ZOMBIE, [broker.bootstrap, 'eos-zombie'])
    assert.equal(r.new, 'committed')
    assert.notEqual(r.old, 'committed')
    const committed = (await readAll('eos-zombie', 'read_committed', 1)).map((x) => x[2])
    assert.deepEqual(committed, ['fresh-1'])
  })

  it('transaction timeout: the broker aborts a hung transaction and the LSO moves on', async () => {
    await create('eos-timeout', 1)
    const r = await py<{ before: string[], after: string[], lsoBefore: number, lsoAfter: number }>(CK_TXN_TIMEOUT, [broker.bootstrap, 'eos-timeout'])
    assert.deepEqual(r.before, [], 'nothing past the open transaction is readable')
    assert.equal(r.lsoBefore, 0, 'the LSO stays at the first offset of the open transaction')
    assert.deepEqual(r.after, ['after'], 'after the abort: the later record, not the aborted ones')
    assert.equal(r.lsoAfter, 7, 'LSO past 5 aborted records, the later one and the abort marker')
  })

  it('consume-transform-produce with send_offsets_to_transaction across SIGKILLs: output holds every input exactly once', async (t) => {
    const n = 4000
    await create('ctp-in', 3)
    await create('ctp-out', 3)
    const p = await py<{ acked: number }>(CK_PRODUCE, [broker.bootstrap, 'ctp-in', String(n)])
    assert.equal(p.acked, n)
    const running = py<{ commits: number, aborts: number, fatal: number, retries: number }>(CK_CTP, [broker.bootstrap, 'ctp-in', 'ctp-out', 'ctp-group', String(n)], 300_000)
    // SIGKILLs at random points while transactions are flowing (the group needs ~3 s to form).
    const started = Date.now()
    const kills: number[] = []
    for (const at of [4000, 500, 500]) {
      await sleep(at + Math.floor(Math.random() * 1000))
      kills.push((Date.now() - started) / 1000)
      await broker.restart({ crash: true })
    }
    const stats = await running
    t.diagnostic(`transactions: ${JSON.stringify(stats)}; SIGKILLs at ${kills.map((k) => k.toFixed(1)).join(', ')} s`)
    assert.ok(stats.commits > 0)
    const out = await readAll('ctp-out', 'read_committed', n, 3)
    const values = out.map((r) => r[2])
    assert.equal(new Set(values).size, values.length, 'no duplicates in the committed output')
    assert.equal(values.length, n, 'every input record in the output')
    assert.ok(values.every((v) => v.startsWith('out-')))
  })
})
