// What the group coordinator's operations take, decoded from the wire by the api/ handlers.
import type { Protocol } from './classic-group.ts'

export interface JoinRequest {
  readonly groupId: string
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly clientId: string
  readonly clientHost: string
  readonly sessionTimeoutMs: number
  readonly rebalanceTimeoutMs: number
  readonly protocolType: string
  readonly protocols: readonly Protocol[]
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id. */
  readonly requireKnownMemberId: boolean
  /** JoinGroup v9+: a replaced static leader is told to skip the assignment. */
  readonly supportSkipAssignment: boolean
}

export interface SyncRequest {
  readonly groupId: string
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly protocolType: string | null
  readonly protocolName: string | null
  readonly assignments: readonly { readonly memberId: string, readonly assignment: Buffer }[]
}

export interface MemberRef {
  readonly groupId: string
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
}

export interface CommitRequest extends MemberRef {
  /** OffsetCommit version (consumer-protocol members must commit with v9+); absent: current. */
  readonly version?: number
  /** OffsetCommit v2-4 retention time, -1 for the broker's policy. */
  readonly retentionTimeMs: number
  readonly offsets: readonly {
    readonly topic: string, readonly partition: number, readonly offset: number, readonly leaderEpoch: number, readonly metadata: string | null,
    /** OffsetCommit v1 lets the client set the commit time; -1 or absent means now. */
    readonly commitTimestamp?: number
  }[]
}

export interface TopicPartitions {
  readonly topic: string
  readonly partitions: readonly number[]
}
