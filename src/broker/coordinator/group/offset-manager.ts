// Committed offsets (Kafka's OffsetMetadataManager): OffsetCommit, OffsetFetch, OffsetDelete,
// offsets of committed transactions, retention expiry and the removal of deleted topics' offsets,
// plus the tombstones a group deletion writes. Offsets and deletions change memory only by
// replaying their records after the append succeeded; appends to one partition complete in log
// order, so live replay follows the order a restart replays in, and a failed append leaves memory
// as the log has it.
import { ErrorCode } from '../../../protocol/errors.ts'
import { ZERO_UUID } from '../../../protocol/primitives/index.ts'
import { ClassicGroup } from './classic-group.ts'
import { validateConsumerGroupCommit, validateConsumerGroupFetch } from './consumer-group-offsets.ts'
import type { ClassicMembership } from './classic-membership.ts'
import { appendErrorCode } from './group-shard-state.ts'
import type { GroupShardState } from './group-shard-state.ts'
import type { CommittedOffset } from './offsets.ts'
import type { GroupRecord } from './records.ts'
import type { CommitRequest, MemberRef, TopicPartitions } from './requests.ts'
import type { FetchedOffset, OffsetFetchResult, PartitionError } from './results.ts'

const RETENTION_KEY = 'retention'

export class OffsetManager {
  /** Names the commit timeout timers. */
  private commitSeq = 0
  /**
   * Per group, the latest offset commit being appended (a partition's appends complete in order, so
   * it settles after every earlier one): OffsetFetch waits for it, as Kafka's one-request-at-a-time
   * connections make a commit visible to whatever the committer does next (our connections
   * pipeline requests, and a member leaving right after its commit must hand over that commit).
   */
  private readonly lastCommit = new Map<string, Promise<void>>()

  constructor(private readonly s: GroupShardState, private readonly m: ClassicMembership) {}

  /** Per-partition errors, in request order; resolves once the commit records are appended. */
  async commitOffsets(req: CommitRequest): Promise<PartitionError[]> {
    const all = (errorCode: number): PartitionError[] => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }))
    const err = this.s.checkGroup(req.groupId, true)
    if (err !== ErrorCode.NONE) return all(err)
    if (this.s.deleting.has(req.groupId)) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    let group = this.s.groups.get(req.groupId)
    const consumerGroup = this.s.consumerGroups.get(req.groupId)
    if (consumerGroup) {
      const e = validateConsumerGroupCommit(consumerGroup, req.memberId, req.generationId, req.version ?? 9)
      if (e !== ErrorCode.NONE) return all(e)
    } else if (!group) {
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION)
      // A group that only uses Kafka to store offsets ("simple" consumer).
      group = new ClassicGroup(req.groupId, this.s.now())
      this.s.groups.set(req.groupId, group)
    }
    const groupErr = group ? this.validateCommit(group, req) : ErrorCode.NONE
    if (groupErr !== ErrorCode.NONE) {
      if (group) this.m.dropIfUnused(group)
      return all(groupErr)
    }
    const now = this.s.now()
    const errors: PartitionError[] = []
    const records: GroupRecord[] = []
    const expire = req.retentionTimeMs >= 0 ? BigInt(now + req.retentionTimeMs) : -1n
    for (const o of req.offsets) {
      const metadata = o.metadata ?? ''
      let code: number = ErrorCode.NONE
      if (Buffer.byteLength(metadata) > this.s.config.offsetMetadataMaxBytes) code = ErrorCode.OFFSET_METADATA_TOO_LARGE
      else if (!this.s.partitionExists(o.topic, o.partition)) code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      errors.push({ topic: o.topic, partition: o.partition, errorCode: code })
      if (code !== ErrorCode.NONE) continue
      records.push({
        type: 'offset', group: req.groupId, topic: o.topic, partition: o.partition,
        value: {
          offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata, expireTimestamp: expire, topicId: ZERO_UUID,
          commitTimestamp: BigInt(o.commitTimestamp !== undefined && o.commitTimestamp >= 0 ? o.commitTimestamp : now),
        },
      })
    }
    if (records.length === 0) {
      if (group) this.m.dropIfUnused(group)
      return errors
    }
    this.trackInFlight(req.groupId, records, 1)
    // Replayed when appended, in log order (a deletion appended after these records replays after),
    // even when the answer went out earlier because offsets.commit.timeout.ms passed.
    const appended = this.s.write(req.groupId, records).finally(() => this.trackInFlight(req.groupId, records, -1))
    const settled = appended.then(() => {}, () => {})
    this.lastCommit.set(req.groupId, settled)
    void settled.then(() => {
      if (this.lastCommit.get(req.groupId) === settled) this.lastCommit.delete(req.groupId)
    })
    try {
      await this.withCommitTimeout(appended)
    } catch (e) {
      this.s.onError(e, 'appending offset commit')
      const code = appendErrorCode(e, true)
      if (group) this.m.dropIfUnused(group)
      return errors.map((p) => p.errorCode === ErrorCode.NONE ? { ...p, errorCode: code } : p)
    }
    return errors
  }

  /** Rejects with REQUEST_TIMED_OUT when `p` has not settled within offsets.commit.timeout.ms (on the coordinator clock). */
  private withCommitTimeout(p: Promise<void>): Promise<void> {
    const key = `c\u0000${++this.commitSeq}`
    return new Promise<void>((resolve, reject) => {
      this.s.timers.schedule(key, this.s.config.offsetCommitTimeoutMs, () => {
        reject(Object.assign(new Error('offset commit not appended within offsets.commit.timeout.ms'), { code: 'REQUEST_TIMED_OUT' }))
      })
      p.then(resolve, reject).finally(() => this.s.timers.cancel(key))
    })
  }

  /**
   * Offsets of a committed transaction (TxnOffsetCommit, then EndTxn commit), written as ordinary
   * commits without membership checks. Rejects when the append fails.
   */
  async applyCommittedOffsets(groupId: string, offsets: CommitRequest['offsets']): Promise<void> {
    if (offsets.length === 0) return
    if (!this.s.groups.has(groupId)) this.s.groups.set(groupId, new ClassicGroup(groupId, this.s.now()))
    const now = BigInt(this.s.now())
    const records: GroupRecord[] = offsets.map((o) => ({
      type: 'offset', group: groupId, topic: o.topic, partition: o.partition,
      value: { offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata: o.metadata ?? '', commitTimestamp: now, expireTimestamp: -1n, topicId: ZERO_UUID },
    }))
    await this.s.write(groupId, records)
  }

  private trackInFlight(groupId: string, records: readonly GroupRecord[], delta: number): void {
    let m = this.s.inFlightCommits.get(groupId)
    if (!m) this.s.inFlightCommits.set(groupId, m = new Map())
    for (const r of records) {
      if (r.type !== 'offset') continue
      const key = `${r.topic}\u0000${r.partition}`
      const e = m.get(key) ?? { topic: r.topic, partition: r.partition, n: 0 }
      e.n += delta
      if (e.n <= 0) m.delete(key)
      else m.set(key, e)
    }
    if (m.size === 0) this.s.inFlightCommits.delete(groupId)
  }

  private validateCommit(group: ClassicGroup, req: MemberRef): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    if (req.generationId < 0 && group.is('Empty')) return ErrorCode.NONE
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS
    const member = group.members.get(req.memberId)
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    this.m.scheduleMemberExpiry(group, member)
    return ErrorCode.NONE
  }

  /** Resolves once every offset commit of `groupId` received so far is appended (or failed). */
  commitsSettled(groupId: string): Promise<void> {
    return this.lastCommit.get(groupId) ?? Promise.resolve()
  }

  /** `topics` null means every committed offset of the group. */
  fetchOffsets(groupId: string, topics: readonly TopicPartitions[] | null, member?: { memberId: string | null, memberEpoch: number }): OffsetFetchResult {
    let err = this.s.checkGroup(groupId, true)
    const consumerGroup = this.s.consumerGroups.get(groupId)
    if (err === ErrorCode.NONE && consumerGroup && member) err = validateConsumerGroupFetch(consumerGroup, member.memberId, member.memberEpoch)
    if (err !== ErrorCode.NONE) {
      const offsets = (topics ?? []).flatMap((t) => t.partitions.map((p) => missing(t.topic, p, err)))
      return { errorCode: err, offsets }
    }
    if (topics === null) return { errorCode: ErrorCode.NONE, offsets: this.s.offsets.all(groupId).map(fetched) }
    const offsets: FetchedOffset[] = []
    for (const t of topics) {
      for (const p of t.partitions) {
        const c = this.s.offsets.get(groupId, t.topic, p)
        offsets.push(c ? fetched(c) : missing(t.topic, p, ErrorCode.NONE))
      }
    }
    return { errorCode: ErrorCode.NONE, offsets }
  }

  async deleteOffsets(groupId: string, topics: readonly TopicPartitions[]): Promise<{ errorCode: number, partitions: PartitionError[] }> {
    const err = this.s.checkGroup(groupId, false)
    if (err !== ErrorCode.NONE) return { errorCode: err, partitions: [] }
    if (this.s.deleting.has(groupId)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, partitions: [] }
    const group = this.s.groups.get(groupId)
    if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] }
    let subscribed: Set<string> | null = null
    if (!group.is('Empty')) {
      if (group.protocolType !== 'consumer' || group.subscribedTopics === null) return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] }
      subscribed = group.subscribedTopics
    }
    const partitions: PartitionError[] = []
    const records: GroupRecord[] = []
    for (const t of topics) {
      for (const p of t.partitions) {
        let code: number = ErrorCode.NONE
        if (subscribed?.has(t.topic)) code = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC
        else if (!this.s.partitionExists(t.topic, p)) code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        else if (this.s.offsets.get(groupId, t.topic, p)) records.push({ type: 'offset', group: groupId, topic: t.topic, partition: p, value: null })
        partitions.push({ topic: t.topic, partition: p, errorCode: code })
      }
    }
    try {
      await this.s.write(groupId, records)
    } catch (e) {
      this.s.onError(e, 'appending offset deletion')
      const code = appendErrorCode(e, false)
      return { errorCode: code, partitions: [] }
    }
    return { errorCode: ErrorCode.NONE, partitions }
  }

  /**
   * Appends a group's tombstones (its offsets', then the group's) and replays them once appended.
   * Resolves with NONE or the error the append maps to; memory is unchanged after a failure.
   */
  writeDeletion(groupId: string, records: readonly GroupRecord[], what: string): Promise<number> {
    const done = this.s.write(groupId, records).then(() => {
      return ErrorCode.NONE as number
    }, (e: unknown) => {
      this.s.onError(e, what)
      return appendErrorCode(e, false)
    }).finally(() => this.s.deleting.delete(groupId))
    this.s.deleting.set(groupId, done)
    return done
  }

  tombstones(groupId: string): GroupRecord[] {
    const partitions = new Map<string, { topic: string, partition: number }>()
    for (const o of this.s.offsets.all(groupId)) partitions.set(`${o.topic}\u0000${o.partition}`, o)
    for (const [k, o] of this.s.inFlightCommits.get(groupId) ?? []) partitions.set(k, o)
    const records: GroupRecord[] = [...partitions.values()].map((o) => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null }))
    records.push({ type: 'group', group: groupId, value: null })
    return records
  }

  // ---------------------------------------------------------------- retention and topic deletion

  /** Starts the periodic offsets.retention.check (the broker does; tests call expireOffsets directly). */
  startRetention(): void {
    const run = (): void => {
      this.expireOffsets().catch((e: unknown) => this.s.onError(e, 'expiring offsets'))
      this.s.timers.schedule(RETENTION_KEY, this.s.config.offsetsRetentionCheckIntervalMs, run)
    }
    this.s.timers.schedule(RETENTION_KEY, this.s.config.offsetsRetentionCheckIntervalMs, run)
  }

  /**
   * Drops expired offsets (Kafka's rules, KIP-211): in an Empty group every offset expires
   * `offsets.retention.minutes` after the group became empty (or after its commit, for groups
   * without a protocol); in an active consumer group only offsets of topics no member subscribes
   * to expire (from their commit time); an explicit expire timestamp wins. Offsets of topics that no
   * longer exist go too. An Empty group left without offsets is deleted. Returns how many offsets went.
   */
  async expireOffsets(): Promise<number> {
    const now = this.s.now()
    const retention = this.s.config.offsetsRetentionMs
    const pending: Promise<number>[] = []
    for (const groupId of new Set([...this.s.groups.keys(), ...this.s.offsets.groups()])) {
      if (!this.s.serves(this.s.partitionFor(groupId)) || this.s.deleting.has(groupId)) continue
      const group = this.s.groups.get(groupId)
      const records: GroupRecord[] = []
      const empty = !group || group.is('Empty')
      const consumer = group?.protocolType === 'consumer'
      const tomb = (o: CommittedOffset): GroupRecord => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null })
      const cg = this.s.consumerGroups.get(groupId)
      if (cg && cg.members.size > 0) {
        // A KIP-848 group with members keeps offsets of subscribed topics (all, if any member uses a regex).
        const names = cg.subscribedTopicNames()
        const byRegex = [...cg.members.values()].some((m) => m.subscribedTopicRegex !== null)
        for (const o of this.s.offsets.all(groupId)) {
          const stale = !byRegex && !names.has(o.topic) && now >= (o.expireTimestamp ?? o.commitTimestamp + retention)
          if (stale || !this.s.partitionExists(o.topic, o.partition)) records.push(tomb(o))
        }
      } else if (empty || (consumer && group.subscribedTopics !== null)) {
        for (const o of this.s.offsets.all(groupId)) {
          const gone = !this.s.partitionExists(o.topic, o.partition)
          let expired: boolean
          if (o.expireTimestamp !== null) expired = now >= o.expireTimestamp
          else if (empty) {
            const base = consumer && group.stateTimestamp !== null ? Math.max(group.stateTimestamp, o.commitTimestamp) : o.commitTimestamp
            expired = now >= base + retention
          } else {
            expired = !group!.subscribedTopics!.has(o.topic) && now >= o.commitTimestamp + retention
          }
          if (expired || gone) records.push(tomb(o))
        }
      } else {
        for (const o of this.s.offsets.all(groupId)) if (!this.s.partitionExists(o.topic, o.partition)) records.push(tomb(o))
      }
      const offsetsRemoved = records.length
      // An Empty group left without offsets goes too (not while a commit or a new member is on its way).
      const deleteGroup = group !== undefined && group.is('Empty') && group.pendingMembers.size === 0 &&
        !this.s.inFlightCommits.has(groupId) && this.s.offsets.count(groupId) === offsetsRemoved
      if (deleteGroup) {
        records.push({ type: 'group', group: groupId, value: null })
        pending.push(this.writeDeletion(groupId, records, 'appending offset expiry').then((code) => code === ErrorCode.NONE ? offsetsRemoved : 0))
      } else if (offsetsRemoved > 0) {
        pending.push(this.s.write(groupId, records).then(() => {
          return offsetsRemoved
        }, (e: unknown) => {
          this.s.onError(e, 'appending offset expiry')
          return 0
        }))
      }
    }
    let removed = 0
    for (const n of await Promise.all(pending)) removed += n
    return removed
  }

  /** Offsets of deleted topics are removed at once (tombstones written). */
  async onTopicsDeleted(topics: readonly string[]): Promise<void> {
    const names = new Set(topics)
    const pending: Promise<void>[] = []
    for (const groupId of [...this.s.offsets.groups()]) {
      const records: GroupRecord[] = this.s.offsets.all(groupId).filter((o) => names.has(o.topic))
        .map((o) => ({ type: 'offset', group: groupId, topic: o.topic, partition: o.partition, value: null }))
      if (records.length === 0) continue
      pending.push(this.s.write(groupId, records).then(() => {}, (e: unknown) => this.s.onError(e, 'appending offset removal')))
    }
    await Promise.all(pending)
  }

  stopRetention(): void {
    this.s.timers.cancel(RETENTION_KEY)
  }
}

function fetched(c: CommittedOffset): FetchedOffset {
  return { topic: c.topic, partition: c.partition, offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE }
}

function missing(topic: string, partition: number, errorCode: number): FetchedOffset {
  return { topic, partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode }
}
