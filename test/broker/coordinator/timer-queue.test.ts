import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TimerDriver, TimerQueue } from '../../../src/broker/coordinator/timer-queue.ts'

test('timers run in deadline order; replacing and cancelling work; stale entries stay bounded', () => {
  const clock = { t: 0, now() { return this.t } }
  const q = new TimerQueue(clock)
  const ran: string[] = []
  q.schedule('a', 30, () => ran.push('a'))
  q.schedule('b', 10, () => ran.push('b'))
  q.schedule('c', 20, () => { ran.push('c'); q.schedule('d', 0, () => ran.push('d')) })
  q.schedule('b', 25, () => ran.push('b2'))
  q.schedule('x', 5, () => ran.push('x'))
  q.cancel('x')
  assert.equal(q.nextDeadline(), 20)
  clock.t = 100
  assert.equal(q.runDue(), 4)
  assert.deepEqual(ran, ['c', 'b2', 'a', 'd'], 'd was scheduled at t=100 by c')
  assert.equal(q.size, 0)
  for (let i = 0; i < 100_000; i++) q.schedule(`m${i % 10}`, 1000 + i, () => {})
  assert.equal(q.size, 10)
  assert.ok(q.heapLength <= 64 * 4, `heap ${q.heapLength}`)
})

test('the driver fires due timers with a real timer', async () => {
  const q = new TimerQueue({ now: () => Date.now() })
  const d = new TimerDriver(q)
  // The driver's timer is unref'd (it must not keep a broker alive): keep the test's loop alive.
  const keepAlive = setTimeout(() => {}, 5000)
  // start is read before scheduling: read after, a descheduled thread (a loaded CI machine) could
  // put it past the deadline's base and fail a correct driver.
  const start = Date.now()
  const fired = new Promise<number>((resolve) => q.schedule('t', 20, () => resolve(Date.now())))
  assert.ok(await fired >= start + 20, 'fired before its deadline')
  d.stop()
  clearTimeout(keepAlive)
})

test('a timer that throws is reported and the other due timers still run', async () => {
  const q = new TimerQueue({ now: () => Date.now() })
  const errors: unknown[] = []
  const d = new TimerDriver(q, (err) => errors.push(err))
  const keepAlive = setTimeout(() => {}, 5000)
  const ran: string[] = []
  q.schedule('a', 10, () => ran.push('a'))
  q.schedule('b', 10, () => { throw new Error('boom') })
  const done = new Promise<void>((resolve) => q.schedule('c', 10, () => { ran.push('c'); resolve() }))
  await done
  assert.deepEqual(ran, ['a', 'c'])
  assert.equal((errors[0] as Error).message, 'boom')
  d.stop()
  clearTimeout(keepAlive)
})
