// The leader-side assignors follow Java's rules exactly, and the consumer protocol encoding
// round-trips (a Java member must read what a samsa leader assigns, and the other way round).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, rangeAssignor, roundRobinAssignor } from '../../src/client/consumer/assignors.ts'
import type { Assignment, GroupMember } from '../../src/client/consumer/assignors.ts'

const member = (memberId: string, topics: string[]): GroupMember => ({ memberId, groupInstanceId: null, topics, userData: null })
const flat = (a: Assignment) => Object.fromEntries([...a].map(([m, t]) => [m, Object.fromEntries([...t].map(([k, v]) => [k, [...v].sort((x, y) => x - y)]))]))

test('range: consecutive ranges per topic, the first members get the remainder', () => {
  const a = rangeAssignor.assign([member('c', ['t', 'u']), member('a', ['t', 'u']), member('b', ['t'])], new Map([['t', 7], ['u', 3]]))
  assert.deepEqual(flat(a), {
    a: { t: [0, 1, 2], u: [0, 1] },
    b: { t: [3, 4] },
    c: { t: [5, 6], u: [2] },
  })
})

test('roundrobin: partitions dealt in turn, skipping members not subscribed', () => {
  const a = roundRobinAssignor.assign([member('b', ['t']), member('a', ['t', 'u'])], new Map([['t', 3], ['u', 2]]))
  assert.deepEqual(flat(a), { a: { t: [0, 2], u: [0, 1] }, b: { t: [1] } })
})

test('every partition is assigned exactly once, for many shapes', () => {
  for (const assignor of [rangeAssignor, roundRobinAssignor]) {
    for (let members = 1; members <= 7; members++) {
      for (const parts of [1, 5, 16]) {
        const ms = Array.from({ length: members }, (_, i) => member(`m${i}`, ['x', 'y']))
        const a = assignor.assign(ms, new Map([['x', parts], ['y', parts + 1]]))
        const all = [...a.values()].flatMap((t) => [...t].flatMap(([topic, ps]) => ps.map((p) => `${topic}-${p}`)))
        assert.equal(all.length, parts + parts + 1)
        assert.equal(new Set(all).size, all.length)
      }
    }
  }
})

test('subscription and assignment bytes round-trip', () => {
  const sub = decodeSubscription('m', 'i', encodeSubscription(['a', 'b'], [{ topic: 'a', partition: 1 }]))
  assert.deepEqual(sub.topics, ['a', 'b'])
  assert.deepEqual(decodeAssignment(encodeAssignment(new Map([['a', [0, 2]], ['b', [1]]]))), [
    { topic: 'a', partition: 0 }, { topic: 'a', partition: 2 }, { topic: 'b', partition: 1 },
  ])
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), [])
})
