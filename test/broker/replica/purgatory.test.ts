import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Purgatory } from '../../../src/broker/replica/purgatory.ts'
import type { PurgatoryClock } from '../../../src/broker/replica/purgatory.ts'
import type { Partition } from '../../../src/broker/replica/partition.ts'

/** A clock with one pending timer at most, fired by hand. */
function manualClock() {
  let time = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  let next = 1
  const clock: PurgatoryClock = {
    now: () => time,
    setTimer(fn, ms) { const id = next++; timers.set(id, { at: time + ms, fn }); return id },
    clearTimer(h) { timers.delete(h as number) },
  }
  return {
    clock,
    timers,
    advance(ms: number) {
      time += ms
      for (const [id, t] of [...timers]) if (t.at <= time) { timers.delete(id); t.fn() }
    },
  }
}

const part = (name: string) => ({ topic: name }) as unknown as Partition

test('one timer serves every deadline; wake-ups complete only operations that say so', () => {
  const m = manualClock()
  const pg = new Purgatory(m.clock)
  const a = part('a')
  const b = part('b')
  const done: string[] = []
  const op = (name: string, deadline: number, need: number) => {
    let got = 0
    return { deadline, onData: (_p: Partition, n: number) => (got += n) >= need, complete: () => done.push(name) }
  }
  pg.add(op('x', 500, 10), [a])
  pg.add(op('y', 100, 1), [a, b])
  pg.add(op('z', 300, 1000), [b])
  assert.equal(m.timers.size, 1, 'a single timer for all waiting operations')
  pg.notify(a, 5)
  assert.deepEqual(done, ['y'])
  pg.notify(a, 5)
  assert.deepEqual(done, ['y', 'x'])
  assert.equal(pg.size, 1)
  m.advance(299)
  assert.deepEqual(done, ['y', 'x'])
  m.advance(1)
  assert.deepEqual(done, ['y', 'x', 'z'])
  assert.equal(pg.size, 0)
  assert.equal(m.timers.size, 0)
  pg.notify(b, 100)
  assert.equal(done.length, 3, 'a completed operation is never completed twice')
})

test('expired on arrival, completeAll for one partition, close answers the rest', () => {
  const m = manualClock()
  const pg = new Purgatory(m.clock)
  const a = part('a')
  const b = part('b')
  const done: string[] = []
  const op = (name: string, deadline: number) => ({ deadline, onData: () => false, complete: () => done.push(name) })
  pg.add(op('past', 0), [a])
  assert.deepEqual(done, ['past'])
  for (let i = 0; i < 200; i++) pg.add(op(`a${i}`, 1000 + i), [a])
  pg.add(op('b', 5000), [b])
  pg.completeAll(a)
  assert.equal(done.length, 201)
  assert.equal(pg.size, 1)
  pg.close()
  assert.equal(done.at(-1), 'b')
  assert.equal(m.timers.size, 0)
  pg.add(op('late', 9999), [b])
  assert.equal(done.at(-1), 'late', 'after close operations are answered at once')
})
