// The server-side assignors and reconciliation as pure functions: uniform balances within one
// and keeps partitions in place when it can, range co-partitions, heterogeneous subscriptions
// stay within what each member subscribes to; reconcile revokes before it assigns and never hands
// out a partition another member holds. Property runs over random groups (fast-check).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { rangeAssign, uniformAssign } from '../../../../src/broker/coordinator/group/assignors.ts'
import type { AssignorInput } from '../../../../src/broker/coordinator/group/assignors.ts'
import { MemberState, newMember } from '../../../../src/broker/coordinator/group/consumer-group.ts'
import type { Assignment } from '../../../../src/broker/coordinator/group/consumer-group.ts'
import { reconcile } from '../../../../src/broker/coordinator/group/current-assignment.ts'

const counts = (out: Map<string, Assignment>) => [...out.values()].map((a) => [...a.values()].reduce((n, s) => n + s.size, 0))

function input(members: number, topics: Record<string, number>, subs?: (i: number) => string[], previous = new Map<string, Assignment>()): AssignorInput {
  return {
    members: Array.from({ length: members }, (_, i) => ({ memberId: `m${i}`, topics: new Set(subs ? subs(i) : Object.keys(topics)) })),
    partitions: new Map(Object.entries(topics)),
    previous,
  }
}

function assertComplete(inp: AssignorInput, out: Map<string, Assignment>): void {
  const seen = new Set<string>()
  for (const [memberId, a] of out) {
    const m = inp.members.find((x) => x.memberId === memberId)!
    for (const [t, ps] of a) {
      assert.ok(m.topics.has(t), `${memberId} got ${t} without subscribing`)
      for (const p of ps) {
        assert.ok(!seen.has(`${t}:${p}`), `${t}:${p} twice`)
        seen.add(`${t}:${p}`)
      }
    }
  }
  for (const [t, n] of inp.partitions) {
    if (!inp.members.some((m) => m.topics.has(t))) continue
    for (let p = 0; p < n; p++) assert.ok(seen.has(`${t}:${p}`), `${t}:${p} unassigned`)
  }
}

test('uniform: every partition once, counts within one, sticky when a member joins', () => {
  const first = uniformAssign(input(2, { a: 6, b: 3 }))
  assert.deepEqual(counts(first).sort(), [4, 5])
  const grown = uniformAssign(input(3, { a: 6, b: 3 }, undefined, first))
  assertComplete(input(3, { a: 6, b: 3 }), grown)
  assert.deepEqual(counts(grown), [3, 3, 3])
  // Nobody gives up more than it must: the two old members keep 3 of what they had.
  for (const id of ['m0', 'm1']) {
    let kept = 0
    for (const [t, ps] of grown.get(id)!) for (const p of ps) if (first.get(id)!.get(t)?.has(p)) kept++
    assert.equal(kept, 3)
  }
})

test('range: contiguous ranges per topic in member-id order (co-partitioned topics line up)', () => {
  const out = rangeAssign(input(2, { a: 5, b: 5 }))
  assert.deepEqual([...out.get('m0')!.get('a')!], [0, 1, 2])
  assert.deepEqual([...out.get('m1')!.get('a')!], [3, 4])
  assert.deepEqual([...out.get('m0')!.get('b')!], [0, 1, 2])
})

test('property: both assignors give every subscribed partition to exactly one subscriber; uniform balances homogeneous groups', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.integer(),
    (n, sizes, hetero, seed) => {
      const topics = Object.fromEntries(sizes.map((s, i) => [`t${i}`, s]))
      const names = Object.keys(topics)
      const subs = hetero ? (i: number) => names.filter((_, k) => ((seed >>> ((i + k) % 16)) & 1) === 1 || k === i % names.length) : undefined
      const inp = input(n, topics, subs)
      const u = uniformAssign(inp)
      assertComplete(inp, u)
      assertComplete(inp, rangeAssign(inp))
      if (!hetero) {
        const c = counts(u)
        assert.ok(Math.max(...c) - Math.min(...c) <= 1, `unbalanced ${c}`)
      }
      // Re-running on its own output changes nothing (stable target).
      assert.deepEqual(uniformAssign({ ...inp, previous: u }), u)
    },
  ), { numRuns: 200 })
})

test('reconcile: revoke first (same epoch), then only free partitions at the target epoch', () => {
  const m = newMember('a')
  Object.assign(m, { memberEpoch: 1, previousMemberEpoch: 0, assigned: new Map([['t', new Set([0, 1, 2, 3])]]) })
  const target = new Map([['t', new Set([0, 1, 4])]])
  const held = new Map<number, number>([[4, 1]]) // partition 4 still held by another member
  const epochOf = (_t: string, p: number) => held.get(p) ?? -1
  const r1 = reconcile(m, 2, target, [{ topicId: 't', partitions: [0, 1, 2, 3] }], epochOf)!
  assert.deepEqual([r1.memberEpoch, r1.state, [...r1.assigned.get('t')!], [...r1.pendingRevocation.get('t')!]], [1, MemberState.UNREVOKED_PARTITIONS, [0, 1], [2, 3]])
  // Still owning a revoked partition: no progress.
  Object.assign(m, { state: r1.state, assigned: r1.assigned, pendingRevocation: r1.pendingRevocation })
  assert.equal(reconcile(m, 2, target, [{ topicId: 't', partitions: [0, 1, 2] }], epochOf)!.state, MemberState.UNREVOKED_PARTITIONS)
  const r2 = reconcile(m, 2, target, [{ topicId: 't', partitions: [0, 1] }], epochOf)!
  assert.deepEqual([r2.memberEpoch, r2.previousMemberEpoch, r2.state, [...r2.assigned.get('t')!]], [2, 1, MemberState.UNRELEASED_PARTITIONS, [0, 1]])
  held.clear()
  Object.assign(m, { memberEpoch: 2, previousMemberEpoch: 1, state: r2.state, assigned: r2.assigned, pendingRevocation: new Map() })
  const r3 = reconcile(m, 2, target, [{ topicId: 't', partitions: [0, 1] }], epochOf)!
  assert.deepEqual([r3.memberEpoch, r3.state, [...r3.assigned.get('t')!].sort()], [2, MemberState.STABLE, [0, 1, 4]])
})
