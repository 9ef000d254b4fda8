// The share-partitions this broker holds as partition leader (Kafka's SharePartitionManager): one
// SharePartition per (group, topic id, partition), created on first use from the state persisted in
// __share_group_state (or, without any, at the offset share.auto.offset.reset names), and
// persisted again after every change (coalesced: one write in flight per share-partition, the next
// one carries everything that changed meanwhile; acknowledgements are answered once a write that
// covers them completed). Share sessions and waiting fetches live here too. A partition that is no
// longer led here drops its share-partitions; a new leader reloads them from the persisted state.
import { ErrorCode } from '../../protocol/errors.ts'
import type { TimerQueue } from '../coordinator/timer-queue.ts'
import type { Partition } from '../replica/partition.ts'
import { SharePartition } from './share-partition.ts'
import type { PersistedShareState } from '../coordinator/share/share-state-results.ts'
import { ShareSessionCache } from './share-session-cache.ts'
import { resetStartOffset } from './share-offset-reset.ts'
import type { ShareAutoOffsetReset } from './share-offset-reset.ts'

export type { PersistedShareState } from '../coordinator/share/share-state-results.ts'

/**
 * Reads and writes share-partition state (the share coordinator wherever it is, or memory in
 * tests). A read by a leader in a newer leader epoch fences the older leader's writes; a state
 * never initialized reads as null; a failed write rejects (a fenced one with its error code).
 */
export interface SharePersister {
  read(groupId: string, topicId: string, partition: number, leaderEpoch: number): Promise<PersistedShareState | null>
  initialize(groupId: string, topicId: string, partition: number, stateEpoch: number, startOffset: number): Promise<void>
  write(groupId: string, topicId: string, partition: number, state: PersistedShareState): Promise<void>
}

/** Per-group share settings (KIP-932 group configs), with the broker's defaults. */
export interface ShareGroupSettings {
  readonly autoOffsetReset: ShareAutoOffsetReset
  readonly isolationLevel: 'read_uncommitted' | 'read_committed'
  readonly lockDurationMs: number
  readonly deliveryCountLimit: number
}

export interface SharePartitionManagerOptions {
  readonly timers: TimerQueue
  readonly persister: SharePersister
  readonly settings: (groupId: string) => ShareGroupSettings
  readonly maxRecordLocks: number
  readonly maxSessions: number
  readonly onError: (err: unknown, what: string) => void
}

interface Entry {
  readonly sp: SharePartition
  readonly ready: Promise<void>
  readonly groupId: string
  readonly topicId: string
  readonly partition: number
  leaderEpoch: number
  /** The write in flight, and whether another is needed after it. */
  writing: Promise<void> | null
  dirty: boolean
  next: Promise<void> | null
  dropped: boolean
}

export class SharePartitionManager {
  private readonly entries = new Map<string, Entry>()
  private readonly waiters = new Set<() => void>()
  readonly sessions: ShareSessionCache

  constructor(private readonly o: SharePartitionManagerOptions) {
    this.sessions = new ShareSessionCache(o.maxSessions)
  }

  settings(groupId: string): ShareGroupSettings {
    return this.o.settings(groupId)
  }

  /** The share-partition of `groupId` on `p` (led here), loaded before it resolves. */
  async sharePartition(groupId: string, topicId: string, p: Partition): Promise<SharePartition> {
    const k = entryKey(groupId, topicId, p.index)
    let e = this.entries.get(k)
    if (e && e.leaderEpoch !== p.leaderEpoch) {
      this.drop(e)
      e = undefined
    }
    if (!e) {
      const settings = this.o.settings(groupId)
      let entry: Entry | undefined = undefined
      const sp: SharePartition = new SharePartition({
        timers: this.o.timers,
        key: k,
        lockDurationMs: () => this.o.settings(groupId).lockDurationMs,
        deliveryCountLimit: () => this.o.settings(groupId).deliveryCountLimit,
        maxInFlightAcquired: this.o.maxRecordLocks,
        onAvailable: () => this.wake(),
        onStateChange: () => { if (entry) void this.persist(entry).catch(() => {}) },
      })
      const ready = this.o.persister.read(groupId, topicId, p.index, p.leaderEpoch).then(async (state) => {
        if (state && state.startOffset >= 0) {
          sp.initialize(Math.max(state.startOffset, p.logStartOffset), state.batches, state.stateEpoch)
          return
        }
        // Initialized now (InitializeShareGroupState) at the offset share.auto.offset.reset names, then
        // read again so that this leader's epoch is recorded.
        const start = await resetStartOffset(settings.autoOffsetReset, p, this.o.timers.clock.now())
        await this.o.persister.initialize(groupId, topicId, p.index, state?.stateEpoch ?? 0, start)
        const fresh = await this.o.persister.read(groupId, topicId, p.index, p.leaderEpoch)
        sp.initialize(fresh ? Math.max(fresh.startOffset, p.logStartOffset) : start, fresh?.batches ?? [], fresh?.stateEpoch ?? 0)
      })
      entry = { sp, ready, groupId, topicId, partition: p.index, leaderEpoch: p.leaderEpoch, writing: null, dirty: false, next: null, dropped: false }
      e = entry
      this.entries.set(k, e)
      ready.catch(() => { if (this.entries.get(k) === entry) this.entries.delete(k) })
    }
    await e.ready
    return e.sp
  }

  /** The loaded share-partition, if any (no load started). */
  peek(groupId: string, topicId: string, partition: number): SharePartition | undefined {
    return this.entries.get(entryKey(groupId, topicId, partition))?.sp
  }

  /** Resolves once the state as it is now is durable (after acknowledgements). */
  flush(groupId: string, topicId: string, partition: number): Promise<void> {
    const e = this.entries.get(entryKey(groupId, topicId, partition))
    if (!e) return Promise.resolve()
    return this.persist(e)
  }

  /** Coalesced write of an entry's state: at most one in flight; changes meanwhile go in the next. */
  private persist(e: Entry): Promise<void> {
    if (e.dropped) return Promise.resolve()
    if (e.writing) {
      e.dirty = true
      e.next ??= e.writing.catch(() => {}).then(() => {
        e.next = null
        return this.persist(e)
      })
      return e.next
    }
    e.dirty = false
    const state: PersistedShareState = {
      startOffset: e.sp.spso, stateEpoch: e.sp.stateEpoch, leaderEpoch: e.leaderEpoch,
      batches: e.sp.stateBatches(), deliveryCompleteCount: e.sp.deliveryCompleteCount(),
    }
    const w = this.o.persister.write(e.groupId, e.topicId, e.partition, state).finally(() => { e.writing = null })
    e.writing = w
    w.catch((err: unknown) => {
      this.o.onError(err, `persisting share-partition ${e.groupId}:${e.topicId}:${e.partition}`)
      // Fenced (a newer leader or state epoch) or the state is gone: this copy is stale, the next use reloads it.
      if (FENCED.has((err as { errorCode?: number }).errorCode ?? -1) && this.entries.get(entryKey(e.groupId, e.topicId, e.partition)) === e) this.drop(e)
    })
    return w
  }

  /** Records acquired under the member's session go back (session closed or replaced). */
  releaseMember(groupId: string, memberId: string, partitions: Iterable<{ topicId: string, partition: number }>): void {
    for (const { topicId, partition } of partitions) this.peek(groupId, topicId, partition)?.releaseMember(memberId)
  }

  /** A member left its group (or was expired): what it acquired from share-partitions here is released. */
  memberLeft(groupId: string, memberId: string): void {
    for (const e of this.entries.values()) if (e.groupId === groupId) e.sp.releaseMember(memberId)
  }

  /** Forgets share-partitions (leadership moved, group offsets altered or deleted): the next use reloads them. */
  forget(filter: (groupId: string, topicId: string, partition: number) => boolean): void {
    for (const e of [...this.entries.values()]) if (filter(e.groupId, e.topicId, e.partition)) this.drop(e)
  }

  /** Drops the group's share-partitions once their writes in flight settled, unless a session of the group opened meanwhile. */
  forgetGroup(groupId: string): void {
    for (const e of [...this.entries.values()]) {
      if (e.groupId !== groupId) continue
      void (e.next ?? e.writing ?? Promise.resolve()).catch(() => {}).then(() => {
        if (!this.sessions.hasGroup(groupId) && this.entries.get(entryKey(e.groupId, e.topicId, e.partition)) === e) this.drop(e)
      })
    }
  }

  private drop(e: Entry): void {
    e.dropped = true
    e.sp.close()
    this.entries.delete(entryKey(e.groupId, e.topicId, e.partition))
  }

  /** Waits until records may have become available (append, release, expiry) or `ms` passed. */
  waitForRecords(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const key = `share-fetch-wait\u0000${Math.random()}`
      const done = () => {
        this.waiters.delete(done)
        this.o.timers.cancel(key)
        resolve()
      }
      this.waiters.add(done)
      this.o.timers.schedule(key, ms, done)
    })
  }

  /** Wakes waiting fetches (new records, released records). */
  wake(): void {
    if (this.waiters.size === 0) return
    for (const w of [...this.waiters]) w()
  }

  close(): void {
    for (const e of [...this.entries.values()]) this.drop(e)
    this.wake()
  }
}

const FENCED = new Set<number>([ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.FENCED_STATE_EPOCH, ErrorCode.INVALID_REQUEST])

const entryKey = (groupId: string, topicId: string, partition: number) => `${groupId}\u0000${topicId}\u0000${partition}`
