// A share-group consumer (KIP-932 "queues") with explicit acknowledgement: `subscribe` joins the
// share group with ShareGroupHeartbeat (the broker assigns partitions, possibly shared with other
// members, and heartbeats keep the membership), `poll` sends ShareFetch to the leader of each
// assigned partition (one share session per broker) and returns the records the broker acquired
// for this member, each with its delivery count. Every record should be acknowledged —
// `acknowledge(message, 'accept' | 'release' | 'reject')` — and the acknowledgements travel with
// the next poll or with `commit()` (ShareAcknowledge). A record left unacknowledged is delivered
// again (to any member) once its acquisition lock expires on the broker. `close()` sends what is
// pending, closes the sessions (releasing what is still held) and leaves the group.
import { randomUUID } from 'node:crypto'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ShareAcknowledgeResponse } from '../../protocol/generated/messages/share-acknowledge.ts'
import type { ShareFetchResponse } from '../../protocol/generated/messages/share-fetch.ts'
import type { ShareGroupHeartbeatResponse } from '../../protocol/generated/messages/share-group-heartbeat.ts'
import { recordsBuffer } from '../../protocol/primitives/index.ts'
import { RECORD_BATCH_OVERHEAD } from '../../protocol/records/batch-header.ts'
import { Cluster } from '../cluster.ts'
import { ClientConfigError, KafkaError } from '../errors.ts'
import { resolveClientOptions } from '../options.ts'
import type { ClientOptions } from '../options.ts'
import { completeBatches, decodeBatchInto } from './message.ts'
import type { Message } from './message.ts'

export type AcknowledgeType = 'accept' | 'release' | 'reject'
const ACK_CODE: Record<AcknowledgeType, number> = { accept: 1, release: 2, reject: 3 }

export interface ShareMessage extends Message {
  /** How many times the broker has handed this record out (1 on the first delivery). */
  deliveryCount: number
}

export interface ShareConsumerOptions extends ClientOptions {
  groupId: string
  /** MaxRecords of each ShareFetch. Default 500. */
  maxRecords?: number
  /** How long a poll waits for records. Default 500. */
  maxWaitMs?: number
}

type AckBatch = { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }
/** `${topicId}:${partition}` → acknowledgements not sent yet. */
type Pending = Map<string, { topicId: string, partition: number, batches: AckBatch[] }>

export class ShareConsumer {
  readonly memberId = randomUUID()
  private readonly cluster: Cluster
  private memberEpoch = 0
  private topics: string[] = []
  /** Assigned partitions as topic id → partitions. */
  private assignment: { topicId: string, partitions: number[] }[] = []
  /** Share session epoch per broker (0: none yet). */
  private readonly sessions = new Map<number, number>()
  private pending: Pending = new Map()
  private heartbeatTimer: NodeJS.Timeout | null = null
  private intervalMs = 5000
  private closed = false

  constructor(private readonly options: ShareConsumerOptions) {
    if (!options.groupId) throw new ClientConfigError('groupId is required for a share consumer')
    this.cluster = new Cluster(resolveClientOptions(options))
  }

  /** Joins the share group with the given topics. */
  async subscribe(topics: readonly string[]): Promise<void> {
    this.topics = [...topics]
    await this.heartbeat(true)
    this.scheduleHeartbeat()
  }

  /** Records acquired for this member (empty after maxWaitMs without any). Sends pending acknowledgements. */
  async poll(): Promise<ShareMessage[]> {
    if (this.closed) throw new ClientConfigError('the share consumer is closed')
    const byNode = await this.partitionsByLeader()
    const results = await Promise.all([...byNode].map(([node, parts]) => this.fetchFrom(node, parts)))
    return results.flat()
  }

  /** Marks a delivered record; sent with the next poll or commit. */
  acknowledge(message: ShareMessage, type: AcknowledgeType = 'accept'): void {
    const topicId = this.cluster.cachedTopic(message.topic)?.topicId
    if (topicId === undefined) throw new ClientConfigError(`unknown topic ${message.topic}`)
    const k = `${topicId}:${message.partition}`
    const entry = this.pending.get(k) ?? { topicId, partition: message.partition, batches: [] }
    const code = ACK_CODE[type]
    const last = entry.batches[entry.batches.length - 1]
    const o = BigInt(message.offset)
    if (last && last.lastOffset + 1n === o && last.acknowledgeTypes.length === 1 && last.acknowledgeTypes[0] === code) last.lastOffset = o
    else entry.batches.push({ firstOffset: o, lastOffset: o, acknowledgeTypes: [code] })
    this.pending.set(k, entry)
  }

  /** Sends the pending acknowledgements now (ShareAcknowledge); resolves once the brokers persisted them. */
  async commit(): Promise<void> {
    const byNode = await this.pendingByLeader()
    await Promise.all([...byNode].map(([node, acks]) => this.acknowledgeOn(node, acks, false)))
  }

  /** This client's number on the diagnostics channels (samsa:client:*). */
  get diagnosticsId(): number {
    return this.cluster.options.diagnosticsId
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer)
    try {
      const byNode = await this.pendingByLeader()
      for (const node of this.sessions.keys()) if (!byNode.has(node)) byNode.set(node, [])
      await Promise.all([...byNode].map(([node, acks]) => this.acknowledgeOn(node, acks, true).catch(() => {})))
      if (this.memberEpoch > 0) {
        const conn = await this.cluster.coordinator(this.options.groupId, 0)
        await conn.request<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, { groupId: this.options.groupId, memberId: this.memberId, memberEpoch: -1, rackId: null, subscribedTopicNames: null })
      }
    } catch {
      // The broker's session timeout and lock expiry clean up after us.
    } finally {
      await this.cluster.close()
    }
  }

  private async heartbeat(full: boolean): Promise<void> {
    const conn = await this.cluster.coordinator(this.options.groupId, 0)
    const res = await conn.request<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, {
      groupId: this.options.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, rackId: null,
      subscribedTopicNames: full || this.memberEpoch === 0 ? this.topics : null,
    })
    if (res.errorCode !== 0) {
      // Fenced or forgotten: join again from epoch 0.
      if (res.errorCode === 110 || res.errorCode === 25) this.memberEpoch = 0
      if ([14, 15, 16].includes(res.errorCode)) this.cluster.forgetCoordinator(this.options.groupId, 0)
      throw new KafkaError(res.errorCode, { api: 'ShareGroupHeartbeat' })
    }
    this.memberEpoch = res.memberEpoch
    if (res.heartbeatIntervalMs > 0) this.intervalMs = res.heartbeatIntervalMs
    if (res.assignment) this.assignment = res.assignment.topicPartitions.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }))
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return
    this.heartbeatTimer = setTimeout(() => {
      void this.heartbeat(this.memberEpoch === 0).catch(() => {}).finally(() => this.scheduleHeartbeat())
    }, this.intervalMs)
    this.heartbeatTimer.unref()
  }

  /** Topic name of a topic id among the subscribed topics (metadata refreshed when unknown). */
  private async topicName(topicId: string): Promise<string | undefined> {
    for (const t of this.topics) if (this.cluster.cachedTopic(t)?.topicId === topicId) return t
    for (const t of this.topics) if ((await this.cluster.topic(t)).topicId === topicId) return t
    return undefined
  }

  private async leaderOf(topicId: string, partition: number): Promise<number | undefined> {
    const name = await this.topicName(topicId)
    if (name === undefined) return undefined
    const leader = (await this.cluster.topic(name)).partitions[partition]?.leader
    return leader === undefined || leader < 0 ? undefined : leader
  }

  private async partitionsByLeader(): Promise<Map<number, { topicId: string, partition: number }[]>> {
    const out = new Map<number, { topicId: string, partition: number }[]>()
    for (const tp of this.assignment) {
      for (const partition of tp.partitions) {
        const node = await this.leaderOf(tp.topicId, partition)
        if (node === undefined) continue
        out.set(node, [...(out.get(node) ?? []), { topicId: tp.topicId, partition }])
      }
    }
    // Pending acknowledgements of partitions no longer assigned still go to their leader.
    for (const p of this.pending.values()) {
      const node = await this.leaderOf(p.topicId, p.partition)
      if (node === undefined) continue
      const list = out.get(node) ?? []
      if (!list.some((x) => x.topicId === p.topicId && x.partition === p.partition)) out.set(node, [...list, { topicId: p.topicId, partition: p.partition }])
    }
    return out
  }

  private async pendingByLeader(): Promise<Map<number, { topicId: string, partition: number, batches: AckBatch[] }[]>> {
    const out = new Map<number, { topicId: string, partition: number, batches: AckBatch[] }[]>()
    for (const p of this.pending.values()) {
      const node = await this.leaderOf(p.topicId, p.partition)
      if (node !== undefined) out.set(node, [...(out.get(node) ?? []), p])
    }
    this.pending = new Map()
    return out
  }

  private takePending(topicId: string, partition: number): AckBatch[] {
    const k = `${topicId}:${partition}`
    const p = this.pending.get(k)
    this.pending.delete(k)
    return p?.batches ?? []
  }

  private async fetchFrom(node: number, parts: { topicId: string, partition: number }[]): Promise<ShareMessage[]> {
    const conn = await this.cluster.nodeConnection(node)
    const epoch = this.sessions.get(node) ?? 0
    const byTopic = new Map<string, { partitionIndex: number, partitionMaxBytes: number, acknowledgementBatches: AckBatch[] }[]>()
    // A new session carries no acknowledgements: they wait for the next request.
    for (const p of parts) {
      byTopic.set(p.topicId, [...(byTopic.get(p.topicId) ?? []), { partitionIndex: p.partition, partitionMaxBytes: 0, acknowledgementBatches: epoch === 0 ? [] : this.takePending(p.topicId, p.partition) }])
    }
    const res = await conn.request<ShareFetchResponse>(ApiKey.ShareFetch, {
      groupId: this.options.groupId, memberId: this.memberId, shareSessionEpoch: epoch,
      maxWaitMs: this.options.maxWaitMs ?? 500, minBytes: 1, maxBytes: 50 << 20, maxRecords: this.options.maxRecords ?? 500, batchSize: this.options.maxRecords ?? 500,
      topics: [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions })), forgottenTopicsData: [],
    }, { version: 1, extraTimeoutMs: this.options.maxWaitMs ?? 500 })
    if (res.errorCode !== 0) {
      // The session is gone or out of step: start a new one next time.
      this.sessions.delete(node)
      throw new KafkaError(res.errorCode, { api: 'ShareFetch' })
    }
    this.sessions.set(node, epoch === 2 ** 31 - 1 ? 1 : epoch + 1)
    const out: ShareMessage[] = []
    for (const t of res.responses) {
      const topic = await this.topicName(t.topicId)
      if (topic === undefined) continue
      for (const p of t.partitions) {
        if (p.acquiredRecords.length === 0 || p.records === null) continue
        const records = recordsBuffer(p.records)
        const decoded: Message[] = []
        const { end } = completeBatches(records)
        for (let pos = 0; pos + RECORD_BATCH_OVERHEAD <= end;) pos = decodeBatchInto(topic, p.partitionIndex, records, pos, 0, null, decoded)
        for (const m of decoded) {
          const a = p.acquiredRecords.find((r) => BigInt(m.offset) >= r.firstOffset && BigInt(m.offset) <= r.lastOffset)
          if (a) out.push({ ...m, deliveryCount: a.deliveryCount })
        }
      }
    }
    return out
  }

  private async acknowledgeOn(node: number, acks: { topicId: string, partition: number, batches: AckBatch[] }[], final: boolean): Promise<void> {
    const epoch = this.sessions.get(node)
    if (epoch === undefined || epoch === 0) return
    const conn = await this.cluster.nodeConnection(node)
    const byTopic = new Map<string, { partitionIndex: number, acknowledgementBatches: AckBatch[] }[]>()
    for (const a of acks) byTopic.set(a.topicId, [...(byTopic.get(a.topicId) ?? []), { partitionIndex: a.partition, acknowledgementBatches: a.batches }])
    const res = await conn.request<ShareAcknowledgeResponse>(ApiKey.ShareAcknowledge, {
      groupId: this.options.groupId, memberId: this.memberId, shareSessionEpoch: final ? -1 : epoch,
      topics: [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions })),
    }, { version: 1 })
    if (final) this.sessions.delete(node)
    else if (res.errorCode === 0) this.sessions.set(node, epoch + 1)
    if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { api: 'ShareAcknowledge' })
    for (const t of res.responses) for (const p of t.partitions) if (p.errorCode !== 0) throw new KafkaError(p.errorCode, { api: 'ShareAcknowledge' })
  }
}
