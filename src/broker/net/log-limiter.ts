// Caps the rate of per-connection log lines (bad frames, refused connections) so that a flood of
// hostile clients cannot turn logging into the bottleneck (logs are written synchronously). Lines
// over the cap are counted and reported in one summary line per interval.
import type { Logger } from 'pino'

export class LogLimiter {
  private windowStart = 0
  private count = 0
  private suppressed = 0
  private readonly log: Logger
  private readonly perSecond: number
  private readonly now: () => number

  constructor(log: Logger, perSecond = 50, now: () => number = Date.now) {
    this.log = log
    this.perSecond = perSecond
    this.now = now
  }

  /** Logs `msg` unless the cap for the current second is used up. */
  warn(obj: object, msg: string): void {
    this.write('warn', obj, msg)
  }

  info(obj: object, msg: string): void {
    this.write('info', obj, msg)
  }

  private write(level: 'warn' | 'info', obj: object, msg: string): void {
    if (!this.log.isLevelEnabled(level)) return
    const t = this.now()
    if (t - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.log.warn({ suppressed: this.suppressed }, 'connection log lines suppressed (rate limit)')
      this.windowStart = t
      this.count = 0
      this.suppressed = 0
    }
    if (this.count++ < this.perSecond) this.log[level](obj, msg)
    else this.suppressed++
  }
}
