// What a partition leader knows of one follower (Kafka's Replica): the log end offset its last
// fetch reported and when it was last caught up. A follower is caught up at a fetch that asks for
// the leader's log end offset as of that fetch; a fetch that reaches the leader's end as of the
// previous fetch proves it was caught up at that earlier time. ISR membership is judged on the
// last caught-up time (replica.lag.time.max.ms), never on how many offsets it is behind.

export class FollowerState {
  /** Log end offset reported by the last fetch; -1 until it fetches in this leader epoch. */
  logEndOffset = -1
  /** Log start offset the last fetch reported (-1: unknown). */
  logStartOffset = -1
  /** Last time (ms) the follower was known to have everything the leader had. */
  lastCaughtUpTimeMs: number
  private lastFetchLeaderLogEndOffset = -1
  private lastFetchTimeMs = 0

  constructor(lastCaughtUpTimeMs: number) {
    this.lastCaughtUpTimeMs = lastCaughtUpTimeMs
  }

  /** A fetch from `fetchOffset` at `now`, when the leader's log ended at `leaderEnd`. */
  onFetch(fetchOffset: number, leaderEnd: number, now: number, logStartOffset = -1): void {
    this.logStartOffset = logStartOffset
    if (fetchOffset >= leaderEnd) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, now)
    else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs)
    this.logEndOffset = fetchOffset
    this.lastFetchLeaderLogEndOffset = leaderEnd
    this.lastFetchTimeMs = now
  }

  /** Out of sync: not caught up within `lagMs` of `now`. */
  isLagging(now: number, lagMs: number): boolean {
    return now - this.lastCaughtUpTimeMs > lagMs
  }
}
