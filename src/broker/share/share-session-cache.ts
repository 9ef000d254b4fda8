// Share sessions (KIP-932; Kafka's ShareSessionCache): one per (group, member), opened by a
// ShareFetch with epoch 0, advanced by one per request, closed by epoch -1. A session remembers
// which share-partitions the member fetches from, so later requests name only what changes
// (new partitions, ForgottenTopicsData). group.share.max.share.sessions bounds how many exist.
import { ErrorCode } from '../../protocol/errors.ts'

export const INITIAL_SHARE_SESSION_EPOCH = 0
export const FINAL_SHARE_SESSION_EPOCH = -1

export interface ShareSession {
  readonly groupId: string
  readonly memberId: string
  /** The epoch the next request must carry. */
  epoch: number
  /** `${topicId}:${partition}` → the partition. */
  readonly partitions: Map<string, { readonly topicId: string, readonly partition: number }>
}

export const partitionKey = (topicId: string, partition: number): string => `${topicId}:${partition}`

export class ShareSessionCache {
  private readonly sessions = new Map<string, ShareSession>()
  /** Sessions per group (Kafka's numMembersPerGroup). */
  private readonly perGroup = new Map<string, number>()

  constructor(private readonly maxSessions: number) {}

  get size(): number {
    return this.sessions.size
  }

  get(groupId: string, memberId: string): ShareSession | undefined {
    return this.sessions.get(key(groupId, memberId))
  }

  /** A new session (epoch 0 request), replacing the member's old one (returned so its records can be released). */
  open(groupId: string, memberId: string): { session?: ShareSession, replaced?: ShareSession, error: number } {
    const k = key(groupId, memberId)
    const replaced = this.sessions.get(k)
    if (!replaced && this.sessions.size >= this.maxSessions) return { error: ErrorCode.SHARE_SESSION_LIMIT_REACHED }
    const session: ShareSession = { groupId, memberId, epoch: 1, partitions: new Map() }
    this.sessions.set(k, session)
    if (!replaced) this.perGroup.set(groupId, (this.perGroup.get(groupId) ?? 0) + 1)
    return { session, replaced, error: ErrorCode.NONE }
  }

  /** The session a request with `epoch` > 0 or -1 continues: SHARE_SESSION_NOT_FOUND / INVALID_SHARE_SESSION_EPOCH otherwise. */
  continue(groupId: string, memberId: string, epoch: number): { session?: ShareSession, error: number } {
    const session = this.sessions.get(key(groupId, memberId))
    if (!session) return { error: ErrorCode.SHARE_SESSION_NOT_FOUND }
    if (epoch === FINAL_SHARE_SESSION_EPOCH) return { session, error: ErrorCode.NONE }
    if (epoch !== session.epoch) return { error: ErrorCode.INVALID_SHARE_SESSION_EPOCH }
    session.epoch = session.epoch === 2 ** 31 - 1 ? 1 : session.epoch + 1
    return { session, error: ErrorCode.NONE }
  }

  close(session: ShareSession): void {
    const k = key(session.groupId, session.memberId)
    if (this.sessions.get(k) !== session) return
    this.sessions.delete(k)
    const left = (this.perGroup.get(session.groupId) ?? 1) - 1
    if (left > 0) this.perGroup.set(session.groupId, left)
    else this.perGroup.delete(session.groupId)
  }

  /** Whether any member of the group has a session here. */
  hasGroup(groupId: string): boolean {
    return this.perGroup.has(groupId)
  }

  /** Every session (shutdown, member removal). */
  all(): IterableIterator<ShareSession> {
    return this.sessions.values()
  }
}

const key = (groupId: string, memberId: string) => `${groupId}\u0000${memberId}`
