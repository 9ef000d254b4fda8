import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { LogLimiter } from '../../../src/broker/net/log-limiter.ts'

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
