// A share-group member over the wire (generated codecs) for the share tests: heartbeats to its
// group coordinator's connection, ShareFetch / ShareAcknowledge on partition 0 of one topic in a
// share session at the connection it fetches from (the partition leader; `via` moves it there and
// starts a new session).
import assert from 'node:assert/strict'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { ShareFetchResponse } from '../../../src/protocol/generated/messages/share-fetch.ts'
import type { ShareAcknowledgeResponse } from '../../../src/protocol/generated/messages/share-acknowledge.ts'
import type { ShareGroupHeartbeatResponse } from '../../../src/protocol/generated/messages/share-group-heartbeat.ts'
import type { AdminRaw } from '../api/admin-client.ts'

export const GROUP = 'queue'
export const ACCEPT = 1
export const RELEASE = 2
export const REJECT = 3
export const RENEW = 4

/** An acquired range: first offset, last offset, delivery count. */
export type Range = [number, number, number]

export class ShareMember {
  epoch = 0
  memberEpoch = 0
  private fetchConn: AdminRaw

  constructor(readonly id: string, readonly c: AdminRaw, readonly topicId: string, readonly group = GROUP, readonly topic = 'q') {
    this.fetchConn = c
  }

  /** Fetches and acknowledges through `conn` from now on, in a new share session. */
  via(conn: AdminRaw): this {
    this.fetchConn = conn
    this.epoch = 0
    return this
  }

  async join(): Promise<ShareGroupHeartbeatResponse> {
    const r = await this.c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: this.group, memberId: this.id, memberEpoch: 0, rackId: null, subscribedTopicNames: [this.topic] })
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '')
    this.memberEpoch = r.memberEpoch
    return r
  }

  /** A heartbeat in the member's current epoch (keeps its session alive). */
  async beat(): Promise<ShareGroupHeartbeatResponse> {
    const r = await this.c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: this.group, memberId: this.id, memberEpoch: this.memberEpoch, rackId: null, subscribedTopicNames: null })
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '')
    this.memberEpoch = r.memberEpoch
    return r
  }

  async leave(): Promise<ShareGroupHeartbeatResponse> {
    return this.c.call<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId: this.group, memberId: this.id, memberEpoch: -1, rackId: null, subscribedTopicNames: null })
  }

  /** One ShareFetch in the member's session; returns the acquired ranges [first, last, deliveryCount]. */
  async fetch(opts: { maxRecords?: number, acks?: [number, number, number[]][], epoch?: number, version?: number, renew?: boolean, memberId?: string } = {}): Promise<{ res: ShareFetchResponse, ranges: Range[] }> {
    const epoch = opts.epoch ?? this.epoch
    const res = await this.fetchConn.call<ShareFetchResponse>(ApiKey.ShareFetch, opts.version ?? 1, {
      groupId: this.group, memberId: opts.memberId ?? this.id, shareSessionEpoch: epoch, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
      maxRecords: opts.maxRecords ?? 10, batchSize: 10, shareAcquireMode: 1, isRenewAck: opts.renew ?? false,
      topics: [{ topicId: this.topicId, partitions: [{ partitionIndex: 0, partitionMaxBytes: 0, acknowledgementBatches: (opts.acks ?? []).map(([f, l, t]) => ({ firstOffset: BigInt(f), lastOffset: BigInt(l), acknowledgeTypes: t })) }] }],
      forgottenTopicsData: [],
    })
    if (res.errorCode === ErrorCode.NONE && opts.epoch === undefined) this.epoch = this.epoch === -1 ? 0 : this.epoch + 1
    const ranges: Range[] = []
    for (const t of res.responses) for (const p of t.partitions) for (const a of p.acquiredRecords) ranges.push([Number(a.firstOffset), Number(a.lastOffset), a.deliveryCount])
    return { res, ranges }
  }

  async ack(acks: [number, number, number[]][], opts: { epoch?: number, version?: number, renew?: boolean } = {}): Promise<ShareAcknowledgeResponse> {
    const epoch = opts.epoch ?? this.epoch
    const res = await this.fetchConn.call<ShareAcknowledgeResponse>(ApiKey.ShareAcknowledge, opts.version ?? 1, {
      groupId: this.group, memberId: this.id, shareSessionEpoch: epoch, isRenewAck: opts.renew ?? false,
      topics: [{ topicId: this.topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks.map(([f, l, t]) => ({ firstOffset: BigInt(f), lastOffset: BigInt(l), acknowledgeTypes: t })) }] }],
    })
    if (res.errorCode === ErrorCode.NONE && opts.epoch === undefined) this.epoch += 1
    return res
  }
}

export const ackCode = (r: ShareAcknowledgeResponse): number => r.responses[0]!.partitions[0]!.errorCode
export const offsets = (ranges: Range[]): number[] => ranges.flatMap(([f, l]) => Array.from({ length: l - f + 1 }, (_, i) => f + i))
