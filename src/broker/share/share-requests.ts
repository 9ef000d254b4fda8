// What ShareFetch and ShareAcknowledge have in common: the request checks, the share session
// (epoch 0 opens one, -1 closes it, otherwise the session's next epoch), resolving a topic id and
// partition to a Partition led here, and applying a partition's acknowledgements — answered only
// once the resulting state is durable in __share_group_state.
import { ErrorCode } from '../../protocol/errors.ts'
import type { RequestContext } from '../api/handler.ts'
import type { Partition } from '../replica/partition.ts'
import { AcknowledgeType } from './share-partition.ts'
import type { AcknowledgementBatch } from './share-partition.ts'
import type { SharePartitionManager } from './share-partition-manager.ts'
import { FINAL_SHARE_SESSION_EPOCH, INITIAL_SHARE_SESSION_EPOCH, partitionKey } from './share-session-cache.ts'
import type { ShareSession } from './share-session-cache.ts'
import { allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export interface WireAckBatch {
  readonly firstOffset: bigint
  readonly lastOffset: bigint
  readonly acknowledgeTypes: readonly number[]
}

export interface TopError {
  readonly errorCode: number
  readonly errorMessage: string
}

const invalid = (errorMessage: string): TopError => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage })

/** Request-level checks; `renewAllowed` is ShareFetch/ShareAcknowledge v2 with IsRenewAck. */
export function checkShareRequest(
  groupId: string | null, memberId: string | null, acks: Iterable<readonly WireAckBatch[]>, renewAllowed: boolean,
): TopError | null {
  if (!groupId) return invalid('GroupId must be set.')
  // Kafka's check: a member id is set and no longer than a UUID's text (36 characters).
  if (!memberId || memberId.length > 36) return invalid('Invalid member id in the request.')
  for (const batches of acks) {
    for (const b of batches) {
      if (b.firstOffset > b.lastOffset || b.firstOffset < 0n) return invalid(`Invalid acknowledgement batch ${b.firstOffset}-${b.lastOffset}.`)
      if (!renewAllowed && b.acknowledgeTypes.includes(AcknowledgeType.RENEW)) return invalid('Renew acknowledgements require IsRenewAck.')
    }
  }
  return null
}

const SESSIONS_OF_CONNECTION = 'shareSessions'

/**
 * The share session a request runs in (epoch 0 opens one: a replaced session's records are
 * released). A session belongs to the connection that opened it: when that connection closes, its
 * sessions close and what their members hold is released (as Kafka's connection-disconnect listener does).
 */
export function shareSession(ctx: RequestContext, mgr: SharePartitionManager, groupId: string, memberId: string, epoch: number, hasAcks: boolean, canOpen: boolean): { session?: ShareSession, error?: TopError } {
  if (epoch === INITIAL_SHARE_SESSION_EPOCH) {
    if (!canOpen) return { error: { errorCode: ErrorCode.INVALID_SHARE_SESSION_EPOCH, errorMessage: 'A share session is opened by ShareFetch.' } }
    if (hasAcks) return { error: invalid('Acknowledge data present on initial ShareFetch.') }
    const r = mgr.sessions.open(groupId, memberId)
    if (r.replaced) mgr.releaseMember(groupId, memberId, r.replaced.partitions.values())
    if (r.error !== ErrorCode.NONE) return { error: { errorCode: r.error, errorMessage: 'The share session limit has been reached.' } }
    const conn = ctx.connection
    let owned = conn.attributes.get(SESSIONS_OF_CONNECTION) as Set<ShareSession> | undefined
    if (!owned) {
      const set = new Set<ShareSession>()
      owned = set
      conn.attributes.set(SESSIONS_OF_CONNECTION, set)
      conn.socket.once('close', () => {
        for (const s of set) if (mgr.sessions.get(s.groupId, s.memberId) === s) closeShareSession(mgr, s)
        set.clear()
      })
    }
    owned.add(r.session!)
    return { session: r.session! }
  }
  if (epoch < FINAL_SHARE_SESSION_EPOCH) return { error: { errorCode: ErrorCode.INVALID_SHARE_SESSION_EPOCH, errorMessage: `Invalid share session epoch ${epoch}.` } }
  const r = mgr.sessions.continue(groupId, memberId, epoch)
  if (r.error !== ErrorCode.NONE) {
    const msg = r.error === ErrorCode.SHARE_SESSION_NOT_FOUND ? `Share session for member ${memberId} not found.` : `Share session epoch ${epoch} is not the expected one.`
    return { error: { errorCode: r.error, errorMessage: msg } }
  }
  return { session: r.session! }
}

/** Closes a session (epoch -1): what the member still holds in it is released. */
export function closeShareSession(mgr: SharePartitionManager, session: ShareSession): void {
  mgr.sessions.close(session)
  mgr.releaseMember(session.groupId, session.memberId, session.partitions.values())
  // The group's last session here (Kafka's onGroupEmpty): its share-partitions are dropped once
  // written, so the next use reads the state again (it may have been altered or deleted meanwhile).
  if (!mgr.sessions.hasGroup(session.groupId)) mgr.forgetGroup(session.groupId)
}

export type Resolved = { readonly partition: Partition, readonly topicName: string, readonly error?: undefined } | { readonly error: number, readonly topicName?: string }

/** A topic id and partition index → the Partition, led here and readable by the principal, or the error to answer. */
export function resolvePartition(ctx: RequestContext, topicId: string, index: number): Resolved {
  const topic = ctx.broker.metadata.topicById(topicId)
  if (!topic) return { error: ErrorCode.UNKNOWN_TOPIC_ID }
  if (!allowedTopic(ctx, Operation.READ, topic.name)) return { error: ErrorCode.TOPIC_AUTHORIZATION_FAILED }
  if (index < 0 || index >= topic.partitions) return { error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topicName: topic.name }
  const p = ctx.broker.replicas.partition(topic.name, index)
  if (!p || !p.isLeader) return { error: ErrorCode.NOT_LEADER_OR_FOLLOWER, topicName: topic.name }
  return { partition: p, topicName: topic.name }
}

/** Applies one partition's acknowledgements for the member; resolves with the code once durable. */
export async function acknowledgePartition(
  ctx: RequestContext, mgr: SharePartitionManager, groupId: string, memberId: string, topicId: string, index: number, batches: readonly WireAckBatch[],
): Promise<number> {
  const r = resolvePartition(ctx, topicId, index)
  if (r.error !== undefined) return r.error
  const sp = mgr.peek(groupId, topicId, index)
  if (!sp) return ErrorCode.INVALID_RECORD_STATE
  const acks: AcknowledgementBatch[] = batches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), acknowledgeTypes: b.acknowledgeTypes }))
  const code = sp.acknowledge(memberId, acks)
  if (code !== ErrorCode.NONE) return code
  try {
    await mgr.flush(groupId, topicId, index)
    return ErrorCode.NONE
  } catch (err) {
    ctx.broker.log.warn({ err }, 'share acknowledgement not persisted')
    return ErrorCode.UNKNOWN_SERVER_ERROR
  }
}

/** Adds the request's partitions to the session and drops the forgotten ones (their records are released). */
export function updateSessionPartitions(
  mgr: SharePartitionManager, session: ShareSession, topics: readonly { topicId: string, partitions: readonly { partitionIndex: number }[] }[],
  forgotten: readonly { topicId: string, partitions: readonly number[] }[],
): void {
  for (const t of topics) for (const p of t.partitions) session.partitions.set(partitionKey(t.topicId, p.partitionIndex), { topicId: t.topicId, partition: p.partitionIndex })
  for (const f of forgotten) {
    const gone = f.partitions.map((partition) => ({ topicId: f.topicId, partition }))
    for (const g of gone) session.partitions.delete(partitionKey(g.topicId, g.partition))
    mgr.releaseMember(session.groupId, session.memberId, gone)
  }
}
