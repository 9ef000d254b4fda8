import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { CauseLogLimiter, LogLimiter } from '../../../src/broker/net/log-limiter.ts'

test('at most N lines per second, then one summary with the suppressed count', () => {
  const lines: { msg: string, suppressed?: number }[] = []
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  let now = 10_000
  const limiter = new LogLimiter(log, 3, () => now)
  for (let i = 0; i < 10; i++) limiter.warn({}, `bad ${i}`)
  assert.deepEqual(lines.map((l) => l.msg), ['bad 0', 'bad 1', 'bad 2'])
  now += 1000
  limiter.info({}, 'next')
  assert.deepEqual(lines.slice(3).map((l) => [l.msg, l.suppressed]), [['connection log lines suppressed (rate limit)', 7], ['next', undefined]])
})

test('levels that are off cost nothing and count nothing', () => {
  const lines: string[] = []
  const log = pino({ level: 'warn' }, { write: (s: string) => { lines.push(s) } })
  const limiter = new LogLimiter(log, 1)
  for (let i = 0; i < 5; i++) limiter.info({}, 'idle')
  limiter.warn({}, 'bad')
  assert.equal(lines.length, 1)
})

interface Line { msg: string, user?: string, remote?: string, suppressed?: number, causes?: number, top?: { user: string, count: number }[] }

test('CauseLogLimiter: one line per cause per window, at most maxCauses causes, then one summary by cause', () => {
  const lines: Line[] = []
  const log = pino({ level: 'warn' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  let now = 50_000
  const limiter = new CauseLogLimiter(log, 'lines suppressed', { windowMs: 10_000, maxCauses: 2, now: () => now })
  for (let i = 0; i < 5; i++) limiter.warn({ user: 'mallory', reason: 'bad password' }, { remote: `10.0.0.${i}` }, 'failed mallory')
  for (let i = 0; i < 3; i++) limiter.warn({ user: 'eve', reason: 'bad password' }, { remote: '10.0.0.9' }, 'failed eve')
  // A third cause is over maxCauses: counted, not logged.
  limiter.warn({ user: 'trudy', reason: 'bad password' }, { remote: '10.0.0.7' }, 'failed trudy')
  assert.deepEqual(lines.map((l) => [l.msg, l.user, l.remote]), [['failed mallory', 'mallory', '10.0.0.0'], ['failed eve', 'eve', '10.0.0.9']])
  now += 9_999
  limiter.warn({ user: 'mallory', reason: 'bad password' }, {}, 'failed mallory')
  assert.equal(lines.length, 2)
  // The next window: the summary first, then the cause is logged again.
  now += 1
  limiter.warn({ user: 'mallory', reason: 'bad password' }, {}, 'failed mallory')
  assert.deepEqual(lines.slice(2).map((l) => [l.msg, l.suppressed, l.causes]), [['lines suppressed', 8, 3], ['failed mallory', undefined, undefined]])
  assert.deepEqual(lines[2].top!.map((t) => [t.user, t.count]), [['mallory', 5], ['eve', 2], ['trudy', 1]])
})

test('CauseLogLimiter: the summary is written at the window\'s end without further lines', async () => {
  const lines: Line[] = []
  const log = pino({ level: 'warn' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  const limiter = new CauseLogLimiter(log, 'lines suppressed', { windowMs: 50 })
  for (let i = 0; i < 4; i++) limiter.warn({ user: 'mallory' }, {}, 'failed')
  assert.equal(lines.length, 1)
  const deadline = Date.now() + 10_000
  while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(lines.map((l) => [l.msg, l.suppressed]), [['failed', undefined], ['lines suppressed', 3]])
})
