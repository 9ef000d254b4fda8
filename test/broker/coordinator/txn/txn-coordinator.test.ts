import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { ProducerIdManager } from '../../../../src/broker/coordinator/txn/producer-id-manager.ts'
import { TxnCoordinator, partitionForTxnId } from '../../../../src/broker/coordinator/txn/txn-coordinator.ts'
import type { TxnCoordinatorDeps } from '../../../../src/broker/coordinator/txn/txn-coordinator.ts'
import { TxnState } from '../../../../src/broker/coordinator/txn/txn-metadata.ts'
import type { TopicPartition } from '../../../../src/broker/coordinator/txn/txn-metadata.ts'
import { decodeTxnValue, encodeTxnValue } from '../../../../src/broker/coordinator/txn/txn-records.ts'

interface Marker { pid: number, epoch: number, commit: boolean, partitions: string[] }

function harness(opts: { maxTimeoutMs?: number, idExpirationMs?: number, failMarkers?: number } = {}) {
  let time = 1_000_000
  const records: { partition: number, key: Buffer, value: Buffer | null }[] = []
  const markers: Marker[] = []
  const completed: { pid: number, commit: boolean }[] = []
  let failMarkers = opts.failMarkers ?? 0
  const ids = { n: 1000, next: async () => ids.n++ }
  const deps: TxnCoordinatorDeps = {
    config: { logPartitions: 50, maxTimeoutMs: opts.maxTimeoutMs ?? 900_000, idExpirationMs: opts.idExpirationMs ?? 604_800_000 },
    now: () => time,
    appendLog: async (partition, key, value) => {
      records.push({ partition, key, value })
    },
    writeMarkers: async (pid, epoch, commit, partitions) => {
      if (failMarkers > 0) {
        failMarkers--
        throw new Error('partition offline')
      }
      markers.push({ pid, epoch, commit, partitions: partitions.map((p) => `${p.topic}-${p.partition}`).sort() })
    },
    producerIds: ids,
    partitionExists: (topic) => topic !== 'missing',
    onComplete: async (pid, _epoch, commit) => {
      completed.push({ pid, commit })
    },
  }
  const coord = new TxnCoordinator(deps)
  coord.recover()
  return {
    coord, deps, records, markers, completed,
    advance: (ms: number) => { time += ms },
    /** A fresh coordinator rebuilt from the records written so far. */
    replayed: () => {
      const c = new TxnCoordinator(deps)
      for (const r of records) c.replay(r.key, r.value)
      return c
    },
  }
}

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition })

test('init, add partitions, commit: markers to every partition, Complete record, epochs bump per init', async () => {
  const h = harness()
  const init = await h.coord.initProducerId('app-1', 60_000)
  assert.deepEqual(init, { errorCode: ErrorCode.NONE, producerId: 1000, producerEpoch: 0 })
  const pid = init.producerId
  assert.deepEqual((await h.coord.addPartitions('app-1', pid, 0, [tp('a', 0), tp('b', 1)])).map((r) => r.errorCode), [0, 0])
  // Already included: no new record.
  const before = h.records.length
  await h.coord.addPartitions('app-1', pid, 0, [tp('a', 0)])
  assert.equal(h.records.length, before)
  assert.equal(await h.coord.endTxn('app-1', pid, 0, true), ErrorCode.NONE)
  await h.coord.idle()
  assert.deepEqual(h.markers, [{ pid, epoch: 0, commit: true, partitions: ['a-0', 'b-1'] }])
  assert.deepEqual(h.completed, [{ pid, commit: true }])
  assert.equal(h.coord.describe('app-1')!.state, TxnState.CompleteCommit)
  // Retried EndTxn(commit) is fine; abort now is not.
  assert.equal(await h.coord.endTxn('app-1', pid, 0, true), ErrorCode.NONE)
  assert.equal(await h.coord.endTxn('app-1', pid, 0, false), ErrorCode.INVALID_TXN_STATE)
  // Every record went to the id's partition.
  assert.ok(h.records.every((r) => r.partition === partitionForTxnId('app-1', 50)))
  const again = await h.coord.initProducerId('app-1', 60_000)
  assert.deepEqual([again.producerId, again.producerEpoch], [pid, 1])
})

test('errors: bad timeout, unknown id, wrong producer id, fenced epoch, unknown partitions, empty EndTxn', async () => {
  const h = harness({ maxTimeoutMs: 10_000 })
  assert.equal((await h.coord.initProducerId('x', 10_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT)
  assert.equal((await h.coord.initProducerId('x', 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT)
  assert.equal((await h.coord.addPartitions('nope', 1, 0, [tp('a', 0)]))[0]!.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  const { producerId } = await h.coord.initProducerId('x', 5000)
  assert.equal((await h.coord.addPartitions('x', producerId + 1, 0, [tp('a', 0)]))[0]!.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  assert.equal((await h.coord.addPartitions('x', producerId, 3, [tp('a', 0)]))[0]!.errorCode, ErrorCode.PRODUCER_FENCED)
  assert.deepEqual((await h.coord.addPartitions('x', producerId, 0, [tp('a', 0), tp('missing', 0)])).map((r) => r.errorCode),
    [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION])
  assert.equal(await h.coord.endTxn('x', producerId, 0, true), ErrorCode.INVALID_TXN_STATE)
  // Non-transactional (idempotent) producers just get fresh ids.
  const a = await h.coord.initProducerId(null, 0)
  const b = await h.coord.initProducerId(null, 0)
  assert.equal(b.producerId, a.producerId + 1)
  assert.equal(a.producerEpoch, 0)
})

test('zombie fencing: a second init aborts the open transaction with a bumped epoch; the old epoch is fenced', async () => {
  const h = harness()
  const old = await h.coord.initProducerId('t', 60_000)
  await h.coord.addPartitions('t', old.producerId, old.producerEpoch, [tp('out', 0)])
  const first = await h.coord.initProducerId('t', 60_000)
  assert.equal(first.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS)
  const second = await h.coord.initProducerId('t', 60_000)
  assert.equal(second.errorCode, ErrorCode.NONE)
  assert.equal(second.producerId, old.producerId)
  assert.equal(second.producerEpoch, old.producerEpoch + 2)
  assert.deepEqual(h.markers, [{ pid: old.producerId, epoch: old.producerEpoch + 1, commit: false, partitions: ['out-0'] }])
  assert.equal(await h.coord.endTxn('t', old.producerId, old.producerEpoch, true), ErrorCode.PRODUCER_FENCED)
  assert.equal((await h.coord.addPartitions('t', old.producerId, old.producerEpoch, [tp('out', 1)]))[0]!.errorCode, ErrorCode.PRODUCER_FENCED)
})

test('transaction.timeout.ms: an open transaction past its timeout is aborted with a bumped epoch', async () => {
  const h = harness()
  const p = await h.coord.initProducerId('slow', 1000)
  await h.coord.addPartitions('slow', p.producerId, 0, [tp('out', 0)])
  h.advance(1000)
  assert.deepEqual(h.coord.abortTimedOut(), [])
  h.advance(1)
  assert.deepEqual(h.coord.abortTimedOut(), ['slow'])
  await h.coord.idle()
  assert.deepEqual(h.markers, [{ pid: p.producerId, epoch: 1, commit: false, partitions: ['out-0'] }])
  assert.equal(h.coord.describe('slow')!.state, TxnState.CompleteAbort)
  assert.equal(await h.coord.endTxn('slow', p.producerId, 0, true), ErrorCode.PRODUCER_FENCED)
})

test('transactional.id.expiration.ms removes idle ids with a tombstone', async () => {
  const h = harness({ idExpirationMs: 5000 })
  await h.coord.initProducerId('idle', 1000)
  const busy = await h.coord.initProducerId('busy', 100_000)
  await h.coord.addPartitions('busy', busy.producerId, 0, [tp('o', 0)])
  h.advance(5000)
  assert.deepEqual(h.coord.expireTransactionalIds(), ['idle'])
  await h.coord.idle()
  assert.equal(h.coord.describe('idle'), undefined)
  assert.equal(h.records.at(-1)!.value, null)
  assert.equal(h.replayed().describe('idle'), undefined)
  assert.ok(h.replayed().describe('busy'))
})

test('replay equivalence and recovery: a coordinator rebuilt from its records matches, and finishes Prepare states', async () => {
  const h = harness({ failMarkers: 0 })
  for (let i = 0; i < 5; i++) {
    const id = `txn-${i}`
    const p = await h.coord.initProducerId(id, 30_000)
    await h.coord.addPartitions(id, p.producerId, p.producerEpoch, [tp('t', i), tp('u', 0)])
    if (i % 2 === 0) await h.coord.endTxn(id, p.producerId, p.producerEpoch, i % 4 === 0)
  }
  await h.coord.idle()
  const strip = (c: TxnCoordinator) => c.all().map((m) => ({ ...m, lastProducerEpoch: 0, partitions: [...m.partitions.keys()].sort() }))
    .sort((a, b) => a.transactionalId.localeCompare(b.transactionalId))
  assert.deepEqual(strip(h.replayed()), strip(h.coord))
  // Crash right after a Prepare record: the rebuilt coordinator writes the markers and completes.
  const p = h.coord.describe('txn-1')!
  const records = h.records.length
  const markersBefore = h.markers.length
  const crashed = new TxnCoordinator({ ...h.deps, writeMarkers: () => new Promise(() => {}) })
  for (const r of h.records) crashed.replay(r.key, r.value)
  crashed.recover()
  assert.equal(await crashed.endTxn('txn-1', p.producerId, p.producerEpoch, false), ErrorCode.NONE)
  assert.equal(h.records.length, records + 1)
  const restarted = h.replayed()
  assert.equal(restarted.describe('txn-1')!.state, TxnState.PrepareAbort)
  assert.equal(await restarted.endTxn('txn-1', p.producerId, p.producerEpoch, false), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  restarted.recover()
  await restarted.idle()
  assert.equal(restarted.describe('txn-1')!.state, TxnState.CompleteAbort)
  assert.deepEqual(h.markers.slice(markersBefore), [{ pid: p.producerId, epoch: p.producerEpoch, commit: false, partitions: ['t-1', 'u-0'] }])
})

test('marker failures are retried until the transaction completes', async () => {
  const h = harness({ failMarkers: 2 })
  const p = await h.coord.initProducerId('r', 30_000)
  await h.coord.addPartitions('r', p.producerId, 0, [tp('t', 0)])
  assert.equal(await h.coord.endTxn('r', p.producerId, 0, true), ErrorCode.NONE)
  await h.coord.idle()
  assert.equal(h.coord.describe('r')!.state, TxnState.CompleteCommit)
  assert.equal(h.markers.length, 1)
})

test('records: value round trip and typed errors for garbage', () => {
  const m = {
    transactionalId: 'id', producerId: 7, previousProducerId: -1, producerEpoch: 3, lastProducerEpoch: -1, timeoutMs: 1000,
    state: TxnState.Ongoing, partitions: new Map([['a\u00000', { topic: 'a', partition: 0 }]]), txnStartTimestamp: 5, txnLastUpdateTimestamp: 6,
  } as const
  const back = decodeTxnValue('id', encodeTxnValue({ ...m, partitions: new Map(m.partitions) }))
  assert.deepEqual(back, { ...m, partitions: new Map(m.partitions) })
  assert.throws(() => decodeTxnValue('id', Buffer.from([0, 0, 1])), /bad transaction log value/)
  assert.throws(() => decodeTxnValue('id', Buffer.from([0, 9])), /unknown transaction log value version/)
})

test('producer id blocks are persisted before use: a restart never hands out an id twice', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = await mkdtemp(join(tmpdir(), 'samsa-pid-'))
  const a = await ProducerIdManager.open(dir)
  const first = [await a.next(), await a.next()]
  const b = await ProducerIdManager.open(dir)
  const next = await b.next()
  assert.deepEqual(first, [0, 1])
  assert.ok(next > 1)
  await rm(dir, { recursive: true, force: true })
})

test('requests for one transactional id do not queue: while one is in flight others get CONCURRENT_TRANSACTIONS', async () => {
  const h = harness()
  const { producerId: pid } = await h.coord.initProducerId('app-1', 60_000)
  // A slow __transaction_state: appends wait until released.
  let release!: () => void
  const slow = new Promise<void>((r) => { release = r })
  const append = h.deps.appendLog
  h.deps.appendLog = async (...args) => {
    await slow
    return append(...args)
  }
  let answered = 0
  const count = <T>(p: Promise<T>) => p.then((r) => { answered++; return r })
  const first = count(h.coord.addPartitions('app-1', pid, 0, [tp('a', 0)]))
  const flood = Array.from({ length: 1000 }, (_, i) => count(h.coord.addPartitions('app-1', pid, 0, [tp('a', i % 3)])))
  const init = count(h.coord.initProducerId('app-1', 60_000))
  const end = count(h.coord.endTxn('app-1', pid, 0, true))
  // Another id is not held up.
  const other = h.coord.initProducerId('app-2', 60_000)
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
  assert.equal(answered, 1002, 'everything but the first is answered at once')
  for (const r of await Promise.all(flood)) assert.deepEqual(r.map((p) => p.errorCode), [ErrorCode.CONCURRENT_TRANSACTIONS])
  assert.equal((await init).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS)
  assert.equal(await end, ErrorCode.CONCURRENT_TRANSACTIONS)
  release()
  assert.deepEqual((await first).map((p) => p.errorCode), [ErrorCode.NONE])
  assert.equal((await other).errorCode, ErrorCode.NONE)
  // Once answered, the next request runs as usual.
  assert.equal(await h.coord.endTxn('app-1', pid, 0, true), ErrorCode.NONE)
  await h.coord.idle()
  assert.equal(h.coord.describe('app-1')!.state, TxnState.CompleteCommit)
})

test('transaction version 2: each EndTxn bumps the epoch; an exhausted epoch moves the producer to a new id, retries included', async () => {
  const h = harness()
  const { producerId: pid } = await h.coord.initProducerId('v2', 60_000)
  await h.coord.addPartitions('v2', pid, 0, [tp('t', 0)], false, 2)
  assert.deepEqual(await h.coord.endTxnV2('v2', pid, 0, true), { errorCode: ErrorCode.NONE, producerId: pid, producerEpoch: 1 })
  await h.coord.idle()
  assert.deepEqual(h.markers.at(-1), { pid, epoch: 1, commit: true, partitions: ['t-0'] }, 'markers carry the bumped epoch')
  // The state written is TransactionLogValue v1 (tagged fields) and replays to the same.
  assert.equal(h.records.at(-1)!.value!.readInt16BE(0), 1)
  const ids = (m: { producerId: number, producerEpoch: number, previousProducerId: number, state: number, clientTransactionVersion?: number } | undefined) =>
    m && [m.producerId, m.producerEpoch, m.previousProducerId, m.state, m.clientTransactionVersion]
  assert.deepEqual(ids(h.replayed().describe('v2')), [pid, 1, -1, TxnState.CompleteCommit, 2])
  // Near the end of the epochs: the Prepare takes Short.MAX_VALUE for its markers and names a new id.
  const state = (h.coord as unknown as { txns: Map<string, { producerEpoch: number }> }).txns.get('v2')!
  state.producerEpoch = 32766
  await h.coord.addPartitions('v2', pid, 32766, [tp('t', 1)], false, 2)
  const moved = await h.coord.endTxnV2('v2', pid, 32766, false)
  assert.equal(moved.errorCode, ErrorCode.NONE)
  assert.notEqual(moved.producerId, pid)
  assert.equal(moved.producerEpoch, 0)
  await h.coord.idle()
  assert.deepEqual(h.markers.at(-1), { pid, epoch: 32767, commit: false, partitions: ['t-1'] })
  const after = h.coord.describe('v2')!
  assert.deepEqual([after.producerId, after.producerEpoch, after.previousProducerId, after.state], [moved.producerId, 0, pid, TxnState.CompleteAbort])
  // The retry (old id, last epoch) gets the new identity; the old id at an older epoch is fenced.
  assert.deepEqual(await h.coord.endTxnV2('v2', pid, 32766, false), moved)
  assert.equal((await h.coord.endTxnV2('v2', pid, 32765, false)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING)
  // The replayed state keeps the previous id (v1 record), so a restarted coordinator answers the same.
  assert.deepEqual(ids(h.replayed().describe('v2')), ids(after))
})
