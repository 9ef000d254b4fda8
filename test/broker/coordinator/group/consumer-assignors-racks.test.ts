// Rack-aware server-side assignment: members carry a rack (RackId), partitions the racks of their
// replicas. Both assignors prefer aligned placements without giving up balance or (uniform)
// stickiness; groups without racks, or whose partitions have a replica in every member's rack,
// are assigned exactly as without rack information. Through the coordinator: a member's rack
// reaches the assignor, and a change of replica racks moves the group epoch (KIP-1101).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { rangeAssign, uniformAssign } from '../../../../src/broker/coordinator/group/assignors.ts'
import type { AssignorInput } from '../../../../src/broker/coordinator/group/assignors.ts'
import type { Assignment } from '../../../../src/broker/coordinator/group/consumer-group.ts'
import { harness } from './harness.ts'

const TID = 'AAAAAAAAAAAAAAAAAAAAAQ'

type Racks = Record<string, string[][]>

function input(memberRacks: (string | null)[], topics: Record<string, number>, racks?: Racks, previous = new Map<string, Assignment>()): AssignorInput {
  return {
    members: memberRacks.map((rack, i) => ({ memberId: `m${i}`, topics: new Set(Object.keys(topics)), rack })),
    partitions: new Map(Object.entries(topics)),
    previous,
    partitionRacks: racks ? (t, p) => racks[t]?.[p] ?? [] : undefined,
  }
}

const parts = (out: Map<string, Assignment>, m: string, t = 't') => [...(out.get(m)!.get(t) ?? [])].sort((a, b) => a - b)

/** How many assigned partitions have a replica in their member's rack. */
function alignedCount(inp: AssignorInput, out: Map<string, Assignment>): number {
  let n = 0
  for (const m of inp.members) for (const [t, ps] of out.get(m.memberId)!) for (const p of ps) if (m.rack && inp.partitionRacks!(t, p).includes(m.rack)) n++
  return n
}

// p0, p1 on rack b; p2, p3 on rack a.
const SPLIT: Racks = { t: [['b'], ['b'], ['a'], ['a']], u: [['b'], ['b'], ['a'], ['a']] }

test('range: each member first takes the partitions of its rack, within its quota; co-partitioned topics stay aligned', () => {
  const plain = rangeAssign(input(['a', 'b'], { t: 4 }))
  assert.deepEqual([parts(plain, 'm0'), parts(plain, 'm1')], [[0, 1], [2, 3]])
  const inp = input(['a', 'b'], { t: 4, u: 4 }, SPLIT)
  const out = rangeAssign(inp)
  assert.deepEqual([parts(out, 'm0'), parts(out, 'm1')], [[2, 3], [0, 1]])
  assert.deepEqual([parts(out, 'm0', 'u'), parts(out, 'm1', 'u')], [[2, 3], [0, 1]], 'u lines up with t')
  assert.equal(alignedCount(inp, out), 8)
  // Quotas hold: three members, one rack holding everything → ranges as without racks.
  const crowded = rangeAssign(input(['a', 'a', 'b'], { t: 4 }, { t: [['a'], ['a'], ['a'], ['a']] }))
  assert.deepEqual([parts(crowded, 'm0'), parts(crowded, 'm1'), parts(crowded, 'm2')], [[0, 1], [2], [3]])
})

test('uniform: fresh groups place partitions in their rack; a joining member takes its rack\'s partitions', () => {
  const inp = input(['a', 'b'], { t: 4 }, SPLIT)
  const out = uniformAssign(inp)
  assert.deepEqual([parts(out, 'm0'), parts(out, 'm1')], [[2, 3], [0, 1]])
  // m0 alone holds everything; m1 (rack b) joins and the balancing moves hand it rack b's partitions.
  const alone = uniformAssign(input(['a'], { t: 4 }, SPLIT))
  const grown = uniformAssign(input(['a', 'b'], { t: 4 }, SPLIT, alone))
  assert.deepEqual([parts(grown, 'm0'), parts(grown, 'm1')], [[2, 3], [0, 1]])
})

test('uniform: a misaligned target (replicas moved) is fixed by one-for-one swaps, counts unchanged', () => {
  const previous = new Map<string, Assignment>([['m0', new Map([['t', new Set([0, 1])]])], ['m1', new Map([['t', new Set([2, 3])]])]])
  const out = uniformAssign(input(['a', 'b'], { t: 4 }, SPLIT, previous))
  assert.deepEqual([parts(out, 'm0'), parts(out, 'm1')], [[2, 3], [0, 1]])
  // Without racks the same target is kept as it is.
  const sticky = uniformAssign(input([null, null], { t: 4 }, SPLIT, previous))
  assert.deepEqual([parts(sticky, 'm0'), parts(sticky, 'm1')], [[0, 1], [2, 3]])
})

test('no racks, or a replica in every member rack: the same assignment as without rack information', () => {
  const everywhere: Racks = { t: Array.from({ length: 6 }, () => ['a', 'b']) }
  for (const [racks, memberRacks] of [[everywhere, ['a', 'b', 'a']], [SPLIT, [null, null, null]], [{ t: [] }, ['a', 'b', 'a']]] as const) {
    const withRacks = input([...memberRacks], { t: 6 }, racks as Racks)
    const without = input([...memberRacks], { t: 6 })
    assert.deepEqual(uniformAssign(withRacks), uniformAssign(without))
    assert.deepEqual(rangeAssign(withRacks), rangeAssign(without))
  }
})

test('property: with random racks both assignors stay complete, uniform stays balanced and a fixed point, and aligns at least as much as without racks', () => {
  fc.assert(fc.property(
    fc.array(fc.constantFrom('a', 'b', 'c', null), { minLength: 1, maxLength: 6 }),
    fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 3 }),
    fc.array(fc.subarray(['a', 'b', 'c']), { minLength: 30, maxLength: 30 }),
    (memberRacks, sizes, pool) => {
      const topics = Object.fromEntries(sizes.map((s, i) => [`t${i}`, s]))
      const racks: Racks = Object.fromEntries(sizes.map((s, i) => [`t${i}`, Array.from({ length: s }, (_, p) => pool[(i * 10 + p) % pool.length])]))
      const inp = input(memberRacks, topics, racks)
      for (const out of [uniformAssign(inp), rangeAssign(inp)]) {
        const seen = new Set<string>()
        for (const a of out.values()) for (const [t, ps] of a) for (const p of ps) {
          assert.ok(!seen.has(`${t}:${p}`), `${t}:${p} twice`)
          seen.add(`${t}:${p}`)
        }
        assert.equal(seen.size, sizes.reduce((x, y) => x + y, 0))
      }
      const u = uniformAssign(inp)
      const c = [...u.values()].map((a) => [...a.values()].reduce((n, s) => n + s.size, 0))
      assert.ok(Math.max(...c) - Math.min(...c) <= 1, `unbalanced ${c}`)
      assert.deepEqual(uniformAssign({ ...inp, previous: u }), u)
      const blind = uniformAssign({ ...inp, partitionRacks: undefined })
      assert.ok(alignedCount(inp, u) >= alignedCount(inp, blind), 'rack awareness never aligns less')
    },
  ), { numRuns: 200 })
})

test('coordinator: RackId reaches the assignor, and a change of replica racks bumps the group epoch', async () => {
  const racks: string[][] = [['b'], ['b'], ['a'], ['a']]
  const topics = {
    byName: (name: string) => name === 't' ? { topicId: TID, partitions: 4 } : undefined,
    names: () => ['t'],
    partitionRacks: (_name: string, p: number) => racks[p],
  }
  const h = harness({}, { topics })
  const c = h.coordinator
  const beat = (memberId: string, memberEpoch: number, rackId: string | null, owned: number[] = []) => c.consumerGroupHeartbeat({
    groupId: 'g', memberId, memberEpoch, instanceId: null, rackId, rebalanceTimeoutMs: memberEpoch === 0 ? 30_000 : -1,
    subscribedTopicNames: memberEpoch === 0 ? ['t'] : null, subscribedTopicRegex: null, serverAssignor: 'uniform',
    topicPartitions: memberEpoch === 0 ? [] : [{ topicId: TID, partitions: owned }], clientId: 'c', clientHost: 'h', version: 1,
  })
  const a = await beat('A', 0, 'a')
  const b = await beat('B', 0, 'b')
  assert.equal(b.errorCode, 0, b.errorMessage ?? '')
  const g = c.consumerGroup('g')!
  const target = (id: string) => [...(g.targetAssignment.get(id)?.get(TID) ?? [])].sort()
  assert.deepEqual([target('A'), target('B')], [[2, 3], [0, 1]])
  const epoch = g.groupEpoch
  // The replicas of p0 move to rack a: the next heartbeat sees a new metadata hash and a new epoch.
  racks[0] = ['a']
  await beat('A', a.memberEpoch, null, [...(a.assignment?.[0]?.partitions ?? [])])
  assert.equal(g.groupEpoch, epoch + 1)
})
