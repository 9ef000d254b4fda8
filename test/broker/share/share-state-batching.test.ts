// The persister combines share-state requests per coordinator node and group: writes (and reads)
// of several share-partitions issued in one turn go out as one WriteShareGroupState
// (ReadShareGroupState) request carrying them all, grouped by topic, each caller getting its own
// partition's result; a second write of a partition already in the batch waits for the next
// request; other groups and other nodes get their own requests; a failed send fails its parts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ShareStateBatcher } from '../../../src/broker/share/share-state-batcher.ts'
import { ShareStatePersister } from '../../../src/broker/share/share-state-persister.ts'
import type { BrokerContext } from '../../../src/broker/context.ts'
import type { ShareCoordinatorService } from '../../../src/broker/coordinator/share/share-coordinator-service.ts'

interface Sent { node: number, apiKey: number, body: { groupId: string, topics: { topicId: string, partitions: { partition: number }[] }[] } }

/** Answers every partition with errorCode = partition % 2 (so callers can tell their result apart). */
function echo(sent: Sent[]) {
  return async (node: number, apiKey: number, _v: number, body: unknown) => {
    const b = body as Sent['body']
    sent.push({ node, apiKey, body: b })
    return { results: b.topics.map((t) => ({ topicId: t.topicId, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: p.partition % 2, errorMessage: null })) })) }
  }
}

test('batcher: one request per node, API and group per turn; results routed back; duplicates wait; failures fail the batch', async () => {
  const sent: Sent[] = []
  const b = new ShareStateBatcher(echo(sent))
  const add = (node: number, group: string, topic: string, partition: number) => b.add<{ partition: number, errorCode: number }>(node, ApiKey.WriteShareGroupState, 1, group, topic, { partition })
  const results = await Promise.all([add(1, 'g', 'T1', 0), add(1, 'g', 'T1', 1), add(1, 'g', 'T2', 3), add(2, 'g', 'T1', 0), add(1, 'h', 'T1', 0)])
  assert.deepEqual(results.map((r) => r?.errorCode), [0, 1, 1, 0, 0])
  assert.equal(sent.length, 3)
  const first = sent.find((s) => s.node === 1 && s.body.groupId === 'g')!
  assert.deepEqual(first.body.topics.map((t) => [t.topicId, t.partitions.map((p) => p.partition)]), [['T1', [0, 1]], ['T2', [3]]])

  sent.length = 0
  await Promise.all([add(1, 'g', 'T1', 0), add(1, 'g', 'T1', 0)])
  assert.equal(sent.length, 2, 'the same partition twice: two requests, in order')

  const failing = new ShareStateBatcher(async () => { throw new Error('connection refused') })
  const parts = [0, 1].map((p) => failing.add(1, ApiKey.ReadShareGroupState, 0, 'g', 'T', { partition: p }))
  for (const p of parts) await assert.rejects(p, /connection refused/)
})

test('persister: writes of four share-partitions in one turn are one WriteShareGroupState to the state leader', async () => {
  const sent: Sent[] = []
  const ctx = {
    config: { nodeId: 1, int: () => 30_000 },
    metadata: { image: { partition: () => ({ leader: 2 }) } },
    interBroker: { send: (node: number, apiKey: number, v: number, body: unknown) => echo(sent)(node, apiKey, v, body) },
  } as unknown as BrokerContext
  const coordinator = { ensureTopic: async () => {}, coordinator: { partitionFor: () => 0 } } as unknown as ShareCoordinatorService
  const persister = new ShareStatePersister(ctx, coordinator)
  const state = { startOffset: 5, stateEpoch: 0, leaderEpoch: 0, deliveryCompleteCount: 0, batches: [] }
  const writes = await Promise.allSettled([0, 2, 4, 6].map((p) => persister.write('g', 'T', p, state)))
  assert.deepEqual(writes.map((w) => w.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
  assert.equal(sent.length, 1)
  assert.equal(sent[0]!.apiKey, ApiKey.WriteShareGroupState)
  assert.deepEqual(sent[0]!.body.topics[0]!.partitions.map((p) => p.partition), [0, 2, 4, 6])
  // An odd partition gets its own error back (errorCode 1), the others are unaffected.
  const mixed = await Promise.allSettled([persister.write('g', 'T', 1, state), persister.write('g', 'T', 8, state)])
  assert.equal(mixed[0]!.status, 'rejected')
  assert.equal(((mixed[0] as PromiseRejectedResult).reason as { errorCode: number }).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE)
  assert.equal(mixed[1]!.status, 'fulfilled')
  assert.equal(sent.length, 2)
  persister.close()
})
