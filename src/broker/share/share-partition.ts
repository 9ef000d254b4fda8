// One share-partition (KIP-932; Kafka's SharePartition): the view a share group has of one topic
// partition, held by the partition's leader. Records below the share-partition start offset
// (SPSO) are done; from the SPSO up to the end offset (SPEO) every offset is in flight with a
// state (AVAILABLE, ACQUIRED, ACKNOWLEDGED, ARCHIVED) and a delivery count; above it nothing was
// handed out yet. A fetch acquires available offsets for one member under an acquisition lock of
// group.share.record.lock.duration.ms (the delivery count goes up); the member acknowledges them
// (ACCEPT → ACKNOWLEDGED, RELEASE → AVAILABLE, REJECT/GAP → ARCHIVED, RENEW → a fresh lock). A
// lock that expires, a release, or the member's session ending makes records available again,
// unless their delivery count reached group.share.delivery.count.limit: then they are archived.
// The SPSO moves over a done prefix. Pure state on an injected timer queue; persisting the state
// after each change is the manager's job (`onStateChange`).
import { ErrorCode } from '../../protocol/errors.ts'
import type { TimerQueue } from '../coordinator/timer-queue.ts'

/** Kafka's RecordState ids (persisted as ShareSnapshot/ShareUpdate DeliveryState). */
export const RecordState = { AVAILABLE: 0, ACQUIRED: 1, ACKNOWLEDGED: 2, ARCHIVED: 4 } as const

/** Acknowledge types of ShareFetch/ShareAcknowledge (KIP-932, KIP-1222). */
export const AcknowledgeType = { GAP: 0, ACCEPT: 1, RELEASE: 2, REJECT: 3, RENEW: 4 } as const

interface InFlight {
  state: number
  deliveryCount: number
  memberId: string | null
  /** The acquisition lock this offset is held under (ACQUIRED only). */
  lock: number
}

/** A range of one state and delivery count, as ShareSnapshot/ShareUpdate StateBatches hold it. */
export interface StateBatch {
  readonly firstOffset: number
  readonly lastOffset: number
  readonly deliveryState: number
  readonly deliveryCount: number
}

export interface AcquiredRange {
  readonly firstOffset: number
  readonly lastOffset: number
  readonly deliveryCount: number
}

/** What a fetch read: one log batch's offsets, and whether its records are never delivered (control, aborted). */
export interface FetchedBatch {
  readonly baseOffset: number
  readonly lastOffset: number
  readonly skip: boolean
}

export interface AcknowledgementBatch {
  readonly firstOffset: number
  readonly lastOffset: number
  readonly acknowledgeTypes: readonly number[]
}

export interface SharePartitionOptions {
  readonly timers: TimerQueue
  /** Unique among share-partitions (timer keys). */
  readonly key: string
  readonly lockDurationMs: () => number
  readonly deliveryCountLimit: () => number
  /** Most records acquired at once (group.share.partition.max.record.locks). */
  readonly maxInFlightAcquired: number
  /** Records became available again (a waiting fetch may now get them). */
  readonly onAvailable: () => void
  /** The durable state changed (acknowledgement, release, lock expiry, start offset). */
  readonly onStateChange: () => void
}

let lockSeq = 0

export class SharePartition {
  private startOffset = 0
  /** First offset never handed out. */
  private endOffset = 0
  private readonly inFlight = new Map<number, InFlight>()
  /** Acquisition lock → offsets still held under it. */
  private readonly locks = new Map<number, Set<number>>()
  private acquiredCount = 0
  stateEpoch = 0

  constructor(private readonly o: SharePartitionOptions) {}

  /** Loads persisted state (or a fresh start offset): every offset in a batch above the start is in flight again. */
  initialize(startOffset: number, batches: readonly StateBatch[], stateEpoch: number): void {
    this.startOffset = startOffset
    this.endOffset = startOffset
    this.stateEpoch = stateEpoch
    for (const b of batches) {
      for (let o = Math.max(b.firstOffset, startOffset); o <= b.lastOffset; o++) {
        // Locks do not survive: what was acquired is available again — unless it was handed out
        // delivery.count.limit times already (acquisitions are persisted), then it is archived as an
        // expired lock at the limit would be.
        let state = b.deliveryState === RecordState.ACQUIRED ? RecordState.AVAILABLE : b.deliveryState
        if (state === RecordState.AVAILABLE && b.deliveryCount >= this.o.deliveryCountLimit()) state = RecordState.ARCHIVED
        this.inFlight.set(o, { state, deliveryCount: b.deliveryCount, memberId: null, lock: 0 })
        if (o + 1 > this.endOffset) this.endOffset = o + 1
      }
    }
    // Offsets between persisted batches were never recorded: available, never delivered.
    for (let o = startOffset; o < this.endOffset; o++) {
      if (!this.inFlight.has(o)) this.inFlight.set(o, { state: RecordState.AVAILABLE, deliveryCount: 0, memberId: null, lock: 0 })
    }
    this.advanceStart()
  }

  get spso(): number {
    return this.startOffset
  }

  get speo(): number {
    return this.endOffset
  }

  get acquired(): number {
    return this.acquiredCount
  }

  /** Where a fetch should read from: the first available in-flight offset, else the end offset. */
  nextFetchOffset(): number {
    for (let o = this.startOffset; o < this.endOffset; o++) {
      if (this.inFlight.get(o)?.state === RecordState.AVAILABLE) return o
    }
    return this.endOffset
  }

  /** Whether anything could be acquired from the log up to `bound` (exclusive). */
  hasAvailable(bound: number): boolean {
    return this.acquiredCount < this.o.maxInFlightAcquired && this.nextFetchOffset() < bound
  }

  /** The log start moved past the SPSO (retention, DeleteRecords): what is gone is done. */
  moveStartTo(logStartOffset: number): void {
    if (logStartOffset <= this.startOffset) return
    for (let o = this.startOffset; o < Math.min(logStartOffset, this.endOffset); o++) this.forget(o)
    this.startOffset = logStartOffset
    if (this.endOffset < logStartOffset) this.endOffset = logStartOffset
    this.advanceStart()
    this.o.onStateChange()
  }

  /**
   * Acquires for `memberId` the available offsets of the fetched batches (from their first
   * available offset on), at most `maxRecords` deliverable ones (the batch in progress is finished
   * unless `exact`). Control and aborted batches are archived as they are passed.
   */
  acquire(memberId: string, batches: readonly FetchedBatch[], maxRecords: number, exact: boolean): AcquiredRange[] {
    const out: AcquiredRange[] = []
    const lock = ++lockSeq
    const held = new Set<number>()
    const room = Math.min(maxRecords, this.o.maxInFlightAcquired - this.acquiredCount)
    let changed = false
    let taken = 0
    for (const b of batches) {
      if (taken >= room) break
      for (let o = Math.max(b.baseOffset, this.startOffset); o <= b.lastOffset; o++) {
        if (exact && taken >= room) break
        let r = this.inFlight.get(o)
        if (!r) {
          if (o < this.endOffset) continue
          // Offsets skipped between batches (compaction) are done.
          for (let gap = this.endOffset; gap < o; gap++) this.inFlight.set(gap, { state: RecordState.ARCHIVED, deliveryCount: 0, memberId: null, lock: 0 })
          r = { state: RecordState.AVAILABLE, deliveryCount: 0, memberId: null, lock: 0 }
          this.inFlight.set(o, r)
          this.endOffset = o + 1
        }
        if (r.state !== RecordState.AVAILABLE) continue
        if (b.skip) {
          r.state = RecordState.ARCHIVED
          changed = true
          continue
        }
        r.state = RecordState.ACQUIRED
        r.deliveryCount += 1
        r.memberId = memberId
        r.lock = lock
        held.add(o)
        taken++
        const last = out[out.length - 1]
        if (last && last.lastOffset === o - 1 && last.deliveryCount === r.deliveryCount) out[out.length - 1] = { ...last, lastOffset: o }
        else out.push({ firstOffset: o, lastOffset: o, deliveryCount: r.deliveryCount })
      }
    }
    if (held.size > 0) {
      this.acquiredCount += held.size
      this.locks.set(lock, held)
      this.armLock(lock)
    }
    if (changed) {
      this.advanceStart()
      this.o.onStateChange()
    }
    return out
  }

  /**
   * Applies a member's acknowledgements. All or nothing: INVALID_REQUEST for malformed batches,
   * INVALID_RECORD_STATE when an offset is not acquired by the member; else NONE.
   */
  acknowledge(memberId: string, batches: readonly AcknowledgementBatch[]): number {
    for (const b of batches) {
      const n = b.lastOffset - b.firstOffset + 1
      if (n <= 0 || b.firstOffset < 0) return ErrorCode.INVALID_REQUEST
      if (b.acknowledgeTypes.length !== 1 && b.acknowledgeTypes.length !== n) return ErrorCode.INVALID_REQUEST
      if (b.acknowledgeTypes.some((t) => t < AcknowledgeType.GAP || t > AcknowledgeType.RENEW)) return ErrorCode.INVALID_REQUEST
    }
    for (const b of batches) {
      for (let o = b.firstOffset; o <= b.lastOffset; o++) {
        const r = this.inFlight.get(o)
        if (!r || r.state !== RecordState.ACQUIRED || r.memberId !== memberId) return ErrorCode.INVALID_RECORD_STATE
      }
    }
    let renewed: Set<number> | null = null
    let changed = false
    for (const b of batches) {
      for (let o = b.firstOffset; o <= b.lastOffset; o++) {
        const type = b.acknowledgeTypes.length === 1 ? b.acknowledgeTypes[0]! : b.acknowledgeTypes[o - b.firstOffset]!
        const r = this.inFlight.get(o)!
        if (type === AcknowledgeType.RENEW) {
          renewed ??= new Set()
          this.unlock(o, r)
          this.acquiredCount += 1
          renewed.add(o)
          continue
        }
        changed = true
        if (type === AcknowledgeType.ACCEPT) this.finish(o, r, RecordState.ACKNOWLEDGED)
        else if (type === AcknowledgeType.RELEASE) this.release(o, r)
        else this.finish(o, r, RecordState.ARCHIVED)
      }
    }
    if (renewed) {
      const lock = ++lockSeq
      for (const o of renewed) this.inFlight.get(o)!.lock = lock
      this.locks.set(lock, renewed)
      this.armLock(lock)
    }
    if (changed) this.afterRelease()
    return ErrorCode.NONE
  }

  /** The member's share session ended: everything it holds is released. */
  releaseMember(memberId: string): void {
    let changed = false
    for (const [o, r] of this.inFlight) {
      if (r.state === RecordState.ACQUIRED && r.memberId === memberId) {
        this.release(o, r)
        changed = true
      }
    }
    if (changed) this.afterRelease()
  }

  /** Drops every lock (the share-partition is being discarded). */
  close(): void {
    for (const lock of this.locks.keys()) this.o.timers.cancel(this.lockKey(lock))
    this.locks.clear()
  }

  /** The in-flight window as runs of one state and delivery count (ACQUIRED written as AVAILABLE). */
  stateBatches(): StateBatch[] {
    const out: StateBatch[] = []
    for (let o = this.startOffset; o < this.endOffset; o++) {
      const r = this.inFlight.get(o)
      if (!r) continue
      const state = r.state === RecordState.ACQUIRED ? RecordState.AVAILABLE : r.state
      const last = out[out.length - 1]
      if (last && last.lastOffset === o - 1 && last.deliveryState === state && last.deliveryCount === r.deliveryCount) {
        out[out.length - 1] = { ...last, lastOffset: o }
      } else {
        out.push({ firstOffset: o, lastOffset: o, deliveryState: state, deliveryCount: r.deliveryCount })
      }
    }
    return out
  }

  /** Offsets whose delivery is complete (ACKNOWLEDGED or ARCHIVED) at or above the SPSO. */
  deliveryCompleteCount(): number {
    let n = 0
    for (const r of this.inFlight.values()) if (r.state === RecordState.ACKNOWLEDGED || r.state === RecordState.ARCHIVED) n++
    return n
  }

  /** State of one offset (tests): undefined below the SPSO or at/above the SPEO. */
  stateOf(offset: number): { state: number, deliveryCount: number } | undefined {
    const r = this.inFlight.get(offset)
    return r && { state: r.state, deliveryCount: r.deliveryCount }
  }

  private lockKey(lock: number): string {
    return `share-lock\u0000${this.o.key}\u0000${lock}`
  }

  private armLock(lock: number): void {
    this.o.timers.schedule(this.lockKey(lock), this.o.lockDurationMs(), () => this.expire(lock))
  }

  /** An acquisition lock ran out: what is still held under it is released. */
  private expire(lock: number): void {
    const held = this.locks.get(lock)
    if (!held) return
    let changed = false
    for (const o of [...held]) {
      const r = this.inFlight.get(o)
      if (r && r.state === RecordState.ACQUIRED && r.lock === lock) {
        this.release(o, r)
        changed = true
      }
    }
    this.locks.delete(lock)
    if (changed) this.afterRelease()
  }

  private unlock(o: number, r: InFlight): void {
    const held = this.locks.get(r.lock)
    if (held) {
      held.delete(o)
      if (held.size === 0) {
        this.locks.delete(r.lock)
        this.o.timers.cancel(this.lockKey(r.lock))
      }
    }
    r.lock = 0
    this.acquiredCount -= 1
  }

  private release(o: number, r: InFlight): void {
    this.finish(o, r, r.deliveryCount >= this.o.deliveryCountLimit() ? RecordState.ARCHIVED : RecordState.AVAILABLE)
  }

  private finish(o: number, r: InFlight, state: number): void {
    this.unlock(o, r)
    r.state = state
    r.memberId = null
  }

  private afterRelease(): void {
    this.advanceStart()
    this.o.onStateChange()
    this.o.onAvailable()
  }

  private forget(o: number): void {
    const r = this.inFlight.get(o)
    if (r?.state === RecordState.ACQUIRED) this.unlock(o, r)
    this.inFlight.delete(o)
  }

  /** The SPSO moves over offsets whose delivery is complete. */
  private advanceStart(): void {
    while (this.startOffset < this.endOffset) {
      const r = this.inFlight.get(this.startOffset)
      if (r && r.state !== RecordState.ACKNOWLEDGED && r.state !== RecordState.ARCHIVED) break
      this.inFlight.delete(this.startOffset)
      this.startOffset++
    }
  }
}
