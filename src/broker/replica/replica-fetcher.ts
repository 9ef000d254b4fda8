// One follower fetch session towards one leader broker (Kafka's ReplicaFetcherThread over
// AbstractFetcherThread): every partition this broker follows under that leader is either
// truncating or fetching. A fetching partition is part of one Fetch per round (replica id set,
// from its log end offset, with its leader epoch and the epoch of its last batch); the answer's
// batches are appended as they are (offsets and epochs kept) and the leader's high watermark is
// learned. When the leader finds this log diverged from its own (truncation on fetch, KIP-595's
// DivergingEpoch), it names where the epoch ends on its side and the log is truncated there before
// fetching again. A log with no epoch yet starts truncating instead: it asks the leader with
// OffsetForLeaderEpoch (and truncates to its HW when the leader knows no epoch), as does a
// partition whose fetch offset the leader finds out of range. Errors delay the partition
// (replica.fetch.backoff.ms; 25 ms when the leader is only behind on the metadata, see `delay`);
// fenced epochs wait for the next metadata image, which re-adds the partition with its new epoch.
import type { Logger } from 'pino'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode, errorName } from '../../protocol/errors.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../protocol/generated/messages/fetch.ts'
import type { FetchRequestFetchTopic, FetchResponse } from '../../protocol/generated/messages/fetch.ts'
import type { OffsetForLeaderEpochResponse } from '../../protocol/generated/messages/offset-for-leader-epoch.ts'
import { BrokerChannel } from '../net/broker-channel.ts'
import type { ChannelSecurity } from '../net/broker-channel.ts'
import type { Partition } from './partition.ts'
import { recordsBuffer } from '../../protocol/primitives/index.ts'
import type { Timers } from '../timers.ts'

export const REPLICA_FETCH_VERSION = 18
export const OFFSET_FOR_LEADER_EPOCH_VERSION = 4
/** Retry delay when the leader is behind this broker on the metadata (see `delay`). */
const LEADER_CATCH_UP_RETRY_MS = 25
const LEADER_BEHIND = new Set<number>([ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID])

export interface FetcherSettings {
  readonly nodeId: number
  /** This broker's registration epoch (-1: unknown). */
  readonly brokerEpoch: () => number
  readonly maxWaitMs: number
  readonly minBytes: number
  readonly maxBytes: number
  readonly partitionMaxBytes: number
  readonly backoffMs: number
  readonly socketTimeoutMs: number
  readonly log: Logger
  /** Time for backoffs (the broker's injected clock). */
  readonly now: () => number
  /** The idle wait between rounds (real timers; the simulation's virtual ones). */
  readonly timers: Timers
  /** Opens the request channel to the leader (a TCP BrokerChannel; the simulation's in-memory one). */
  readonly connect: ReplicaConnector
}

/** A request channel to a leader: what the fetcher needs of a BrokerChannel. */
export interface ReplicaChannel {
  readonly isOpen: boolean
  send<Res>(apiKey: number, version: number, body: unknown, timeoutMs: number): Promise<Res>
  /** Nothing of the last response is referenced any more: its memory may take the next (optional). */
  recycle?(): void
  close(): void
}

export type ReplicaConnector = (leaderId: number, endpoint: { host: string, port: number }, clientId: string, timeoutMs: number) => Promise<ReplicaChannel>

/** The production connector: a pipelined TCP channel. */
export const tcpReplicaConnector: ReplicaConnector = (_leaderId, ep, clientId, timeoutMs) => BrokerChannel.connect(ep.host, ep.port, clientId, timeoutMs)

/** TCP with the inter-broker listener's TLS and SASL login (security/inter-broker-security.ts). */
export const securedReplicaConnector = (security: ChannelSecurity): ReplicaConnector =>
  (_leaderId, ep, clientId, timeoutMs) => BrokerChannel.connect(ep.host, ep.port, clientId, timeoutMs, security)

/** Where the leader listens, from the metadata image (undefined: not registered). */
export type EndpointLookup = (brokerId: number) => { host: string, port: number } | undefined

interface FetchState {
  readonly partition: Partition
  readonly leaderEpoch: number
  phase: 'truncating' | 'fetching'
  /** Not before this time (ms, settings.now) after an error. */
  delayedUntil: number
}

export class ReplicaFetcher {
  private readonly states = new Map<Partition, FetchState>()
  private channel: ReplicaChannel | undefined
  private wake: (() => void) | undefined
  private stopped = false
  private readonly loop: Promise<void>

  constructor(readonly leaderId: number, private readonly settings: FetcherSettings, private readonly endpoint: EndpointLookup) {
    this.loop = this.run()
  }

  get size(): number {
    return this.states.size
  }

  /**
   * Follows `partition` under this leader at `leaderEpoch`: fetching at once when its log has an
   * epoch (the leader checks divergence on fetch), else truncating first.
   */
  add(partition: Partition, leaderEpoch: number): void {
    const phase = partition.latestEpoch >= 0 ? 'fetching' : 'truncating'
    this.states.set(partition, { partition, leaderEpoch, phase, delayedUntil: 0 })
    this.poke()
  }

  remove(partition: Partition): void {
    this.states.delete(partition)
  }

  has(partition: Partition): boolean {
    return this.states.has(partition)
  }

  private poke(): void {
    const w = this.wake
    this.wake = undefined
    w?.()
  }

  /** Waits for work, a poke, or `ms`. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.settings.timers.after(ms, () => { this.wake = undefined; resolve() })
      this.wake = () => { cancel(); resolve() }
    })
  }

  async close(): Promise<void> {
    this.stopped = true
    this.states.clear()
    this.channel?.close()
    this.poke()
    await this.loop
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = this.settings.now()
      const ready = [...this.states.values()].filter((s) => s.delayedUntil <= now)
      if (ready.length === 0) {
        const next = Math.min(...[...this.states.values()].map((s) => s.delayedUntil), now + 60_000)
        await this.idle(Math.max(1, next - now))
        continue
      }
      try {
        const channel = await this.connect()
        const truncating = ready.filter((s) => s.phase === 'truncating')
        if (truncating.length > 0) await this.truncate(channel, truncating)
        const fetching = ready.filter((s) => s.phase === 'fetching' && this.states.get(s.partition) === s)
        if (fetching.length > 0) await this.fetch(channel, fetching)
      } catch (err) {
        if (this.stopped) break
        this.channel?.close()
        this.channel = undefined
        this.settings.log.debug({ err, leader: this.leaderId }, 'replica fetch failed; retrying after backoff')
        for (const s of ready) s.delayedUntil = this.settings.now() + this.settings.backoffMs
      }
    }
  }

  private async connect(): Promise<ReplicaChannel> {
    if (this.channel?.isOpen) return this.channel
    const ep = this.endpoint(this.leaderId)
    if (!ep) throw new Error(`leader ${this.leaderId} is not registered`)
    this.channel = await this.settings.connect(this.leaderId, ep, `replica-fetcher-${this.settings.nodeId}`, this.settings.socketTimeoutMs)
    return this.channel
  }

  /** OffsetForLeaderEpoch for each partition's latest epoch, then truncation to the divergence point. */
  private async truncate(channel: ReplicaChannel, list: FetchState[]): Promise<void> {
    const byTopic = new Map<string, FetchState[]>()
    for (const s of list) {
      const t = byTopic.get(s.partition.topic)
      if (t) t.push(s)
      else byTopic.set(s.partition.topic, [s])
    }
    const request = {
      replicaId: this.settings.nodeId,
      topics: [...byTopic].map(([topic, states]) => ({
        topic,
        partitions: states.map((s) => ({ partition: s.partition.index, currentLeaderEpoch: s.leaderEpoch, leaderEpoch: s.partition.latestEpoch })),
      })),
    }
    const res = await channel.send<OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, OFFSET_FOR_LEADER_EPOCH_VERSION, request,
      this.settings.socketTimeoutMs)
    for (const t of res.topics) {
      for (const r of t.partitions) {
        const s = byTopic.get(t.topic)?.find((x) => x.partition.index === r.partition)
        if (!s || this.states.get(s.partition) !== s) continue
        if (r.errorCode !== ErrorCode.NONE) {
          this.delay(s, r.errorCode)
          continue
        }
        if (await this.truncateOne(s, r.leaderEpoch, Number(r.endOffset)) && this.states.get(s.partition) === s) s.phase = 'fetching'
      }
    }
  }

  /**
   * The leader says its epoch `leaderEpoch` (the largest <= ours) ends at `leaderEnd`. When this log
   * has that epoch too, the logs agree up to the smaller of the two ends: truncate there and
   * fetch. When it does not, cut back to where its own largest epoch below that ends and ask again
   * (returns false then). Epochs starting at or after the new end leave the cache even when no
   * record goes (an epoch this broker began as leader without writing in it).
   */
  private async truncateOne(s: FetchState, leaderEpoch: number, leaderEnd: number): Promise<boolean> {
    const p = s.partition
    const end = p.logEndOffset
    let target: number
    let done = true
    if (leaderEpoch < 0 || leaderEnd < 0) {
      // The leader knows no epoch at or below ours: nothing of ours can be trusted past the HW.
      target = Math.min(p.highWatermark, end)
    } else {
      const mine = p.epochEnd(leaderEpoch)
      if (!mine) {
        // No epoch of ours at or below the leader's (none tracked then): the leader's end decides.
        target = Math.min(leaderEnd, end)
      } else if (mine.epoch === leaderEpoch) target = Math.min(leaderEnd, mine.endOffset, end)
      else {
        target = Math.min(mine.endOffset, end)
        done = target === end
      }
    }
    if (target < end) {
      this.settings.log.info({ topic: p.topic, partition: p.index, from: end, to: target, leader: this.leaderId, leaderEpoch: s.leaderEpoch },
        'truncating diverged follower log')
    }
    await p.truncateTo(target)
    return done
  }

  /**
   * Fetch answered DivergingEpoch: truncate as OffsetForLeaderEpoch would have, then fetch again
   * with the log's new last epoch (the leader answers again while they still differ). A divergence
   * that moved nothing here falls back to OffsetForLeaderEpoch after a backoff.
   */
  private async truncateOnFetch(s: FetchState, epoch: number, endOffset: number): Promise<void> {
    const p = s.partition
    const before = { end: p.logEndOffset, epoch: p.latestEpoch }
    await this.truncateOne(s, epoch, endOffset)
    if (this.states.get(p) !== s) return
    if (p.logEndOffset === before.end && p.latestEpoch === before.epoch) {
      s.phase = 'truncating'
      s.delayedUntil = this.settings.now() + this.settings.backoffMs
    }
  }

  private async fetch(channel: ReplicaChannel, list: FetchState[]): Promise<void> {
    const byTopic = new Map<string, { topic: FetchRequestFetchTopic, states: Map<number, FetchState>, offsets: Map<number, number> }>()
    for (const s of list) {
      const p = s.partition
      let t = byTopic.get(p.topicId)
      if (!t) byTopic.set(p.topicId, t = { topic: { topic: p.topic, topicId: p.topicId, partitions: [] }, states: new Map(), offsets: new Map() })
      const fp = defaultFetchRequestFetchPartition()
      fp.partition = p.index
      fp.currentLeaderEpoch = s.leaderEpoch
      fp.fetchOffset = BigInt(p.logEndOffset)
      fp.lastFetchedEpoch = p.latestEpoch
      fp.logStartOffset = BigInt(p.logStartOffset)
      fp.partitionMaxBytes = this.settings.partitionMaxBytes
      fp.highWatermark = BigInt(p.highWatermark)
      t.topic.partitions.push(fp)
      t.states.set(p.index, s)
      t.offsets.set(p.index, p.logEndOffset)
    }
    const req = defaultFetchRequest()
    // v15+ names the follower in replicaState (replicaId stays at its default).
    req.replicaState = { replicaId: this.settings.nodeId, replicaEpoch: BigInt(this.settings.brokerEpoch()) }
    req.maxWaitMs = this.settings.maxWaitMs
    req.minBytes = this.settings.minBytes
    req.maxBytes = this.settings.maxBytes
    req.topics = [...byTopic.values()].map((t) => t.topic)
    const res = await channel.send<FetchResponse>(ApiKey.Fetch, REPLICA_FETCH_VERSION, req, this.settings.socketTimeoutMs + this.settings.maxWaitMs)
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`fetch failed: ${errorName(res.errorCode)}`)
    await this.applyFetched(res, byTopic)
    // The batches are in the logs (appends copy nothing they keep): the response's memory is free.
    channel.recycle?.()
  }

  private async applyFetched(res: FetchResponse,
    byTopic: Map<string, { topic: FetchRequestFetchTopic, states: Map<number, FetchState>, offsets: Map<number, number> }>): Promise<void> {
    for (const tr of res.responses) {
      const t = byTopic.get(tr.topicId)
      if (!t) continue
      for (const pd of tr.partitions) {
        const s = t.states.get(pd.partitionIndex)
        if (!s || this.states.get(s.partition) !== s) continue
        const p = s.partition
        if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const leaderStart = Number(pd.logStartOffset)
          // Behind the leader's log start (retention passed us): restart empty there. Else ahead
          // of the leader's end: find the divergence again.
          if (leaderStart > p.logEndOffset && p.logEndOffset === t.offsets.get(pd.partitionIndex)) {
            this.settings.log.info({ topic: p.topic, partition: p.index, from: p.logEndOffset, to: leaderStart }, 'follower behind the leader\'s log start: restarting the log there')
            await p.restartAt(leaderStart)
          } else s.phase = 'truncating'
          continue
        }
        if (pd.errorCode !== ErrorCode.NONE) {
          this.delay(s, pd.errorCode)
          continue
        }
        if (pd.divergingEpoch.epoch >= 0 && pd.divergingEpoch.endOffset >= 0n) {
          if (p.logEndOffset === t.offsets.get(pd.partitionIndex)) await this.truncateOnFetch(s, pd.divergingEpoch.epoch, Number(pd.divergingEpoch.endOffset))
          continue
        }
        const records = pd.records === null ? null : recordsBuffer(pd.records)
        // The log moved meanwhile (truncated, or the partition changed role): ask again.
        if (p.logEndOffset !== t.offsets.get(pd.partitionIndex)) continue
        if (records && records.length > 0) {
          try {
            if (!(await p.appendAsFollower(records, s.leaderEpoch))) continue
          } catch (err) {
            // Batches that do not follow the log end: re-check divergence with the leader.
            this.settings.log.warn({ err, topic: p.topic, partition: p.index, leader: this.leaderId }, 'follower append failed')
            s.phase = 'truncating'
            s.delayedUntil = this.settings.now() + this.settings.backoffMs
            continue
          }
        }
        p.updateFollowerHighWatermark(Number(pd.highWatermark))
        // Compacted logs refuse DeleteRecords: their start only moves by cleaning.
        if (!p.settings.compacted) {
          p.followLogStartOffset(Number(pd.logStartOffset), (err) => this.settings.log.warn({ err, topic: p.topic, partition: p.index, leaderLogStart: String(pd.logStartOffset) },
            'follower could not move its log start to the leader\'s'))
        }
      }
    }
  }

  private delay(s: FetchState, code: number): void {
    const p = s.partition
    this.settings.log.debug({ topic: p.topic, partition: p.index, leader: this.leaderId, error: errorName(code) }, 'replica fetch error')
    // The leader has not applied its own election or the partition's creation yet (our image is
    // ahead of its image): it will within milliseconds, so ask again soon rather than after
    // replica.fetch.backoff.ms — otherwise a new partition or a leader change (controlled
    // shutdowns above all) stalls acks=all producers for the whole backoff. Other errors wait it.
    const leaderBehind = LEADER_BEHIND.has(code)
    s.delayedUntil = this.settings.now() + (leaderBehind ? Math.min(LEADER_CATCH_UP_RETRY_MS, this.settings.backoffMs) : this.settings.backoffMs)
    // An older epoch here than the leader's: the image will bring the new one (re-added then).
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) s.phase = 'truncating'
  }
}
