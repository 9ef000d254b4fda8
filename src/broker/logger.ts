// Structured logs (pino, JSON lines). Quiet by default: warnings and errors only, so a healthy
// broker prints nothing but its `listening on` line. Logs go to stderr synchronously: they are
// rare, and a crash must not lose the line that explains it.
import { pino } from 'pino'
import type { Logger, Level } from 'pino'

export type { Logger }
export type LogLevel = Level | 'silent'

export function createLogger(level: LogLevel = 'warn', fd = 2): Logger {
  return pino({ level, base: { svc: 'samsa' } }, pino.destination({ fd, sync: true }))
}

/** A logger that discards everything (embedded brokers in test suites that want silence). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
