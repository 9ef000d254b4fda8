// ShareFetch (key 78), versions 1-2 (KIP-932; v2: ShareAcquireMode and RENEW acknowledgements,
// KIP-1206/KIP-1222): in one share session, applies the acknowledgements the request carries,
// then acquires records for the member from every partition of the session (share/share-fetch-read.ts)
// and answers the log's batches with the acquired offset ranges and their delivery counts. With
// nothing to acquire it waits up to MaxWaitMs for appends or released records. With
// samsa.share.persist.acquisitions, acquired records are answered once the share-partition's state
// with their delivery counts is written. Epoch -1
// only acknowledges and closes the session; IsRenewAck requests only acknowledge.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  ShareFetchRequest, ShareFetchResponse, ShareFetchResponsePartitionData, ShareFetchResponseShareFetchableTopicResponse,
} from '../../protocol/generated/messages/share-fetch.ts'
import { readAndAcquire } from '../share/share-fetch-read.ts'
import {
  acknowledgePartition, checkShareRequest, closeShareSession, resolvePartition, shareSession, updateSessionPartitions,
} from '../share/share-requests.ts'
import { FINAL_SHARE_SESSION_EPOCH, INITIAL_SHARE_SESSION_EPOCH, partitionKey } from '../share/share-session-cache.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import type { RequestContext } from './handler.ts'
import type { SharePartitionManager } from '../share/share-partition-manager.ts'
import { NO_LEADER, currentLeader } from './leader-hint.ts'

/** ShareAcquireMode 1: stop at exactly MaxRecords (0, batch-optimized, finishes the batch in progress). */
const RECORD_LIMIT = 1
const EMPTY = Buffer.alloc(0)

export const shareFetchHandler = defineHandler<ShareFetchRequest, ShareFetchResponse>({
  apiKey: ApiKey.ShareFetch,
  minVersion: 1,
  maxVersion: 2,
  async handle(ctx, req, version) {
    const mgr = ctx.broker.coordinators.share.partitions
    const answer = (errorCode: number, errorMessage: string | null, responses: ShareFetchResponseShareFetchableTopicResponse[] = [], lockMs = 0): ShareFetchResponse =>
      ({ throttleTimeMs: 0, errorCode, errorMessage, acquisitionLockTimeoutMs: lockMs, responses, nodeEndpoints: [] })
    const renewAck = version >= 2 && req.isRenewAck
    const acks = req.topics.flatMap((t) => t.partitions.map((p) => p.acknowledgementBatches))
    if (!ctx.broker.config.list('group.coordinator.rebalance.protocols').includes('share')) {
      return answer(ErrorCode.UNSUPPORTED_VERSION, 'share groups are not enabled (group.coordinator.rebalance.protocols)')
    }
    const bad = checkShareRequest(req.groupId, req.memberId, acks, renewAck)
    if (bad) return answer(bad.errorCode, bad.errorMessage)
    const groupId = req.groupId!
    const memberId = req.memberId!
    if (!allowedGroup(ctx, Operation.READ, groupId)) return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED, null)
    const hasAcks = acks.some((a) => a.length > 0)
    const { session, error } = shareSession(ctx, mgr, groupId, memberId, req.shareSessionEpoch, hasAcks, true)
    if (error) return answer(error.errorCode, error.errorMessage)
    const settings = mgr.settings(groupId)

    // Per-partition answers, in request order first, then other session partitions with data.
    const parts = new Map<string, ShareFetchResponsePartitionData & { topicId: string }>()
    const entry = (topicId: string, partitionIndex: number) => {
      const k = partitionKey(topicId, partitionIndex)
      let e = parts.get(k)
      if (!e) {
        e = { topicId, partitionIndex, errorCode: 0, errorMessage: null, acknowledgeErrorCode: 0, acknowledgeErrorMessage: null, currentLeader: { ...NO_LEADER }, records: EMPTY, acquiredRecords: [] }
        parts.set(k, e)
      }
      return e
    }
    for (const t of req.topics) for (const p of t.partitions) entry(t.topicId, p.partitionIndex)

    // 1. Acknowledgements (answered once durable).
    await Promise.all(req.topics.flatMap((t) => t.partitions.filter((p) => p.acknowledgementBatches.length > 0).map(async (p) => {
      entry(t.topicId, p.partitionIndex).acknowledgeErrorCode = await acknowledgePartition(ctx, mgr, groupId, memberId, t.topicId, p.partitionIndex, p.acknowledgementBatches)
    })))
    if (req.shareSessionEpoch === FINAL_SHARE_SESSION_EPOCH) {
      closeShareSession(mgr, session!)
      return answer(ErrorCode.NONE, null, group(parts), settings.lockDurationMs)
    }
    updateSessionPartitions(mgr, session!, req.topics, req.forgottenTopicsData)

    // 2. Acquire from every partition of the session, waiting up to MaxWaitMs for something.
    if (!renewAck) {
      const deadline = ctx.broker.clock.now() + Math.max(0, req.maxWaitMs)
      const exact = version >= 2 && req.shareAcquireMode === RECORD_LIMIT
      const persistAcquisitionsOn = ctx.broker.config.bool('samsa.share.persist.acquisitions')
      for (;;) {
        let budget = req.maxRecords > 0 ? req.maxRecords : 500
        let bytes = req.maxBytes
        let got = false
        for (const { topicId, partition } of session!.partitions.values()) {
          const r = resolvePartition(ctx, topicId, partition)
          if (r.error !== undefined) {
            const e = entry(topicId, partition)
            e.errorCode = r.error
            if (r.error === ErrorCode.NOT_LEADER_OR_FOLLOWER && r.topicName) e.currentLeader = currentLeader(ctx.broker.metadata.image, r.topicName, partition)
            continue
          }
          if (budget <= 0 || bytes <= 0) continue
          try {
            const sp = await mgr.sharePartition(groupId, topicId, r.partition)
            const read = await readAndAcquire(r.partition, sp, memberId, bytes, budget, exact, settings.isolationLevel === 'read_committed')
            if (read.acquired.length === 0) continue
            const e = entry(topicId, partition)
            e.records = read.records
            e.acquiredRecords = read.acquired.map((a) => ({ firstOffset: BigInt(a.firstOffset), lastOffset: BigInt(a.lastOffset), deliveryCount: a.deliveryCount }))
            for (const a of read.acquired) budget -= a.lastOffset - a.firstOffset + 1
            bytes -= read.bytes
            got = true
          } catch (err) {
            ctx.broker.log.warn({ err }, 'share fetch')
            entry(topicId, partition).errorCode = (err as { code?: unknown }).code === 'NOT_LEADER_OR_FOLLOWER' ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_SERVER_ERROR
          }
        }
        // samsa.share.persist.acquisitions: the acquisitions are written (their delivery counts)
        // before they are answered, so a crash of this leader after the answer still counts these
        // deliveries. Off (default, as Kafka): written with the next acknowledgement, release or expiry.
        if (got && persistAcquisitionsOn) await persistAcquisitions(ctx, mgr, groupId, parts)
        const remaining = deadline - ctx.broker.clock.now()
        if (got || remaining <= 0 || session!.partitions.size === 0 || [...parts.values()].some((e) => e.errorCode !== 0)) break
        await mgr.waitForRecords(remaining)
        if (mgr.sessions.get(groupId, memberId) !== session) break
      }
    }
    if (req.shareSessionEpoch !== INITIAL_SHARE_SESSION_EPOCH) {
      // Incremental: partitions with nothing to say are left out.
      for (const [k, e] of parts) {
        if (e.errorCode === 0 && e.acknowledgeErrorCode === 0 && e.acquiredRecords.length === 0 && !req.topics.some((t) => t.topicId === e.topicId && t.partitions.some((p) => p.partitionIndex === e.partitionIndex))) parts.delete(k)
      }
    }
    return answer(ErrorCode.NONE, null, group(parts), settings.lockDurationMs)
  },
})

async function persistAcquisitions(ctx: RequestContext, mgr: SharePartitionManager, groupId: string, parts: Map<string, ShareFetchResponsePartitionData & { topicId: string }>): Promise<void> {
  await Promise.all([...parts.values()].filter((e) => e.acquiredRecords.length > 0).map(async (e) => {
    try {
      await mgr.flush(groupId, e.topicId, e.partitionIndex)
    } catch (err) {
      // The records stay acquired and are delivered: only a crash before the next write would undercount them.
      ctx.broker.log.warn({ err }, 'share fetch: acquisition not persisted')
    }
  }))
}

function group(parts: Map<string, ShareFetchResponsePartitionData & { topicId: string }>): ShareFetchResponseShareFetchableTopicResponse[] {
  const out = new Map<string, ShareFetchResponsePartitionData[]>()
  for (const { topicId, ...p } of parts.values()) {
    const list = out.get(topicId) ?? []
    list.push(p)
    out.set(topicId, list)
  }
  return [...out].map(([topicId, partitions]) => ({ topicId, partitions }))
}
