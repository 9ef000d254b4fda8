// Caps the rate of per-connection log lines (bad frames, refused connections) so that a flood of
// hostile clients cannot turn logging into the bottleneck (logs are written synchronously). Lines
// over the cap are counted and reported in one summary line per interval. CauseLogLimiter keeps
// one line per distinct cause per window instead (failed logins).
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

/**
 * Lines that repeat one of a few causes (failed logins: a listener, mechanism, user and reason):
 * within each window the first line of a cause is logged, at most `maxCauses` causes are, and the
 * rest are counted; one summary line at the window's end tells how many were left out, and of
 * which causes. Many parallel connections guessing passwords then cost a few lines, not one each.
 */
export class CauseLogLimiter {
  private windowStart = -Infinity
  private readonly logged = new Set<string>()
  private readonly suppressed = new Map<string, { count: number, cause: object }>()
  private total = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly log: Logger, private readonly summary: string,
    private readonly opts: { windowMs?: number, maxCauses?: number, now?: () => number } = {}) {}

  private get windowMs(): number {
    return this.opts.windowMs ?? 10_000
  }

  /**
   * Logs `msg` as a warning with `cause` and `detail` (what differs between lines of one cause,
   * such as the remote address), unless `cause` was logged in this window or too many causes were.
   */
  warn(cause: Record<string, string>, detail: object, msg: string): void {
    if (!this.log.isLevelEnabled('warn')) return
    const t = (this.opts.now ?? Date.now)()
    if (t - this.windowStart >= this.windowMs) {
      this.flush()
      this.windowStart = t
    }
    const key = JSON.stringify(cause)
    if (!this.logged.has(key) && this.logged.size < (this.opts.maxCauses ?? 20)) {
      this.logged.add(key)
      this.log.warn({ ...detail, ...cause }, msg)
      return
    }
    const s = this.suppressed.get(key)
    if (s) s.count++
    else this.suppressed.set(key, { count: 1, cause })
    this.total++
    // The summary is due at the window's end even if nothing else comes.
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.windowMs - t)).unref()
  }

  /** Writes the summary of what was left out (if anything) and ends the window. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.total > 0) {
      const top = [...this.suppressed.values()].sort((a, b) => b.count - a.count).slice(0, 10)
        .map((s) => ({ ...s.cause, count: s.count }))
      this.log.warn({ suppressed: this.total, causes: this.suppressed.size, top }, this.summary)
    }
    this.logged.clear()
    this.suppressed.clear()
    this.total = 0
    this.windowStart = -Infinity
  }
}
