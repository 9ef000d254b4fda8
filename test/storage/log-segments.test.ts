// LogSegments lookups: floor/higher by offset and the timestamp lookups, on stand-in segments.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogSegments } from '../../src/storage/log-segments.ts'
import type { Segment } from '../../src/storage/segment.ts'

const seg = (baseOffset: number, maxTimestamp: number, size = 100) =>
  ({ baseOffset, maxTimestamp, size, isEmpty: size === 0 }) as unknown as Segment

test('floor and higher find segments by offset', () => {
  const s = new LogSegments('/nowhere', [seg(0, 10), seg(50, 20), seg(120, 30)])
  assert.equal(s.floor(0).baseOffset, 0)
  assert.equal(s.floor(49).baseOffset, 0)
  assert.equal(s.floor(50).baseOffset, 50)
  assert.equal(s.floor(10_000).baseOffset, 120)
  assert.equal(new LogSegments('/nowhere', [seg(7, 1)]).floor(3).baseOffset, 7, 'below the first: the first')
  assert.equal(s.higher(0)?.baseOffset, 50)
  assert.equal(s.higher(50)?.baseOffset, 120)
  assert.equal(s.higher(120), undefined)
  assert.equal(s.active.baseOffset, 120)
  assert.equal(s.size, 300)
})

test('timestamp lookups skip empty segments and segments removed while iterating', () => {
  const a = seg(0, 10)
  const b = seg(50, 40)
  const c = seg(120, 30)
  const empty = seg(200, -1, 0)
  const s = new LogSegments('/nowhere', [a, b, c, empty])
  assert.deepEqual([...s.reachingTimestamp(25)].map((x) => x.baseOffset), [50, 120])
  assert.equal(s.withLargestTimestamp(), b)
  const seen: number[] = []
  for (const x of s.reachingTimestamp(0)) {
    seen.push(x.baseOffset)
    if (x === a) s.remove(b)
  }
  assert.deepEqual(seen, [0, 120])
  assert.throws(() => new LogSegments('/nowhere', []))
})
