// The coordinator runtime as a pure state machine: elections load then serve, resignations
// unload and fail waiting writes, writes are epoch-checked and answered only once the high
// watermark covers them; and the group coordinator's unload of one partition.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CoordinatorRuntime } from '../../../src/broker/coordinator/runtime.ts'
import type { CoordinatorPartitionWriter } from '../../../src/broker/coordinator/runtime.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { harness, joinReq, settle } from './group/harness.ts'
import { decodeGroupRecord } from '../../../src/broker/coordinator/group/records.ts'

function fixture() {
  const events: string[] = []
  const epochs = new Map<number, number>()
  const ends = new Map<number, number>()
  const hws = new Map<number, number>()
  let finishLoad: (() => void) | null = null
  const gate: { wait: Promise<void> | null } = { wait: null }
  const writer: CoordinatorPartitionWriter = {
    leaderEpoch: (p) => epochs.get(p),
    append: async (p, batch) => {
      if (gate.wait !== null) await gate.wait
      const end = (ends.get(p) ?? 0) + batch.length
      ends.set(p, end)
      return end
    },
    highWatermark: (p) => hws.get(p) ?? 0,
  }
  const runtime = new CoordinatorRuntime({
    topic: 't',
    writer,
    hooks: {
      beginLoad: (p, e) => events.push(`begin ${p}@${e}`),
      load: (p) => new Promise<number>((resolve) => {
        finishLoad = () => resolve(0)
        events.push(`load ${p}`)
      }),
      completeLoad: (p, e) => events.push(`complete ${p}@${e}`),
      unload: (p) => events.push(`unload ${p}`),
    },
  })
  return { runtime, events, epochs, hws, gate, finishLoad: () => finishLoad?.() }
}

const codeOf = (err: unknown) => (err as { code?: string }).code

test('runtime: an election loads the partition, then serves; a stale election or resignation is ignored', async () => {
  const f = fixture()
  f.epochs.set(0, 3)
  f.runtime.onElection(0, 3)
  assert.equal(f.runtime.status(0), 'loading')
  await settle()
  f.runtime.onElection(0, 2)
  f.runtime.onElection(0, 3)
  f.finishLoad()
  await f.runtime.whenLoaded(0)
  assert.equal(f.runtime.status(0), 'active')
  assert.equal(f.runtime.epochOf(0), 3)
  f.runtime.onResignation(0, 2)
  assert.equal(f.runtime.status(0), 'active')
  assert.deepEqual(f.events, ['begin 0@3', 'load 0', 'complete 0@3'])
  f.runtime.onResignation(0)
  assert.equal(f.runtime.status(0), undefined)
  assert.deepEqual(f.events.slice(3), ['unload 0'])
})

test('runtime: writes wait for the load, are epoch-checked and answered once the high watermark covers them', async () => {
  const f = fixture()
  await assert.rejects(f.runtime.write(0, Buffer.alloc(4)), (e) => codeOf(e) === 'NOT_LEADER_OR_FOLLOWER')
  f.epochs.set(0, 1)
  f.runtime.onElection(0, 1)
  let done = false
  const w = f.runtime.write(0, Buffer.alloc(4)).then(() => { done = true })
  await settle()
  assert.equal(done, false, 'waits for the load')
  f.finishLoad()
  await settle()
  assert.equal(done, false, 'appended, but the high watermark is below it')
  f.hws.set(0, 3)
  f.runtime.onHighWatermarkUpdated(0)
  await settle()
  assert.equal(done, false)
  f.hws.set(0, 4)
  f.runtime.onHighWatermarkUpdated(0)
  await w
  assert.equal(done, true)
  // The partition moved to a newer leader epoch this shard was not elected in.
  f.epochs.set(0, 2)
  await assert.rejects(f.runtime.write(0, Buffer.alloc(1)), (e) => codeOf(e) === 'NOT_LEADER_OR_FOLLOWER')
})

test('runtime: a resignation fails the writes waiting for the high watermark', async () => {
  const f = fixture()
  f.epochs.set(0, 0)
  f.runtime.onElection(0, 0)
  await settle()
  f.finishLoad()
  await f.runtime.whenLoaded(0)
  const w = f.runtime.write(0, Buffer.alloc(2))
  await settle()
  f.runtime.close()
  await assert.rejects(w, (e) => codeOf(e) === 'NOT_LEADER_OR_FOLLOWER')
  assert.deepEqual(f.events.slice(-1), ['unload 0'])
  f.runtime.onElection(0, 1)
  assert.equal(f.runtime.status(0), undefined, 'closed: no more elections')
})

test('group coordinator: unloading a partition answers its parked joins NOT_COORDINATOR, stops its timers, keeps the others', async () => {
  const h = harness({ offsetsTopicPartitions: 2 })
  const c = h.coordinator
  const a = 'a'
  const other = c.partitionFor(a) === c.partitionFor('b') ? 'c' : 'b'
  assert.notEqual(c.partitionFor(a), c.partitionFor(other))
  await c.commitOffsets({ groupId: other, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, offsets: [{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }] })
  await c.commitOffsets({ groupId: a, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, offsets: [{ topic: 't', partition: 0, offset: 7, leaderEpoch: -1, metadata: null }] })
  // A join parked in PreparingRebalance (the rebalance waits for the member's peer).
  const first = await c.joinGroup(joinReq({ groupId: a }))
  const parked = c.joinGroup(joinReq({ groupId: a }))
  await settle()
  assert.equal(first.errorCode, ErrorCode.NONE)
  assert.ok(h.timers.size > 0)
  c.unloadPartition(c.partitionFor(a))
  assert.equal((await parked).errorCode, ErrorCode.NOT_COORDINATOR)
  assert.equal(h.timers.size, 0, 'the group\'s timers are cancelled')
  assert.equal(c.group(a), undefined)
  assert.equal(c.fetchOffsets(a, null).errorCode, ErrorCode.NOT_COORDINATOR)
  assert.equal(c.heartbeat({ groupId: a, generationId: 1, memberId: first.memberId, groupInstanceId: null }), ErrorCode.NOT_COORDINATOR)
  assert.equal(c.fetchOffsets(other, null).offsets[0]?.offset, 5, 'the other partition keeps its groups')
  // Elected again: replay of the partition's records rebuilds what it held.
  const p = c.partitionFor(a)
  c.beginLoad(p)
  assert.equal(c.fetchOffsets(a, null).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
  for (const r of h.log.get(p) ?? []) {
    const rec = decodeGroupRecord(r.key, r.value)
    if (rec) c.replay(rec)
  }
  c.completeLoad(p)
  assert.equal(c.fetchOffsets(a, null).offsets[0]?.offset, 7)
})

test('runtime: a write whose append straddles a leadership change is not confirmed by the next leadership\'s high watermark', async () => {
  const f = fixture()
  f.epochs.set(0, 1)
  f.runtime.onElection(0, 1)
  await settle()
  f.finishLoad()
  await f.runtime.whenLoaded(0)
  let release!: () => void
  f.gate.wait = new Promise<void>((r) => { release = r })
  const w = f.runtime.write(0, Buffer.alloc(4))
  await settle()
  // While the append is under way the partition moves to another leader, whose high watermark
  // passes the offset this append will report: those offsets hold the new leader's records.
  f.runtime.onResignation(0, 1)
  f.epochs.set(0, 2)
  f.hws.set(0, 100)
  release()
  await assert.rejects(w, (e) => codeOf(e) === 'NOT_LEADER_OR_FOLLOWER')
})
