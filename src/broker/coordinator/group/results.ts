// What the group coordinator answers, independent of request versions (handlers map these to the
// wire format of the version at hand).

export interface JoinResultMember {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly metadata: Buffer
}

export interface JoinResult {
  readonly errorCode: number
  readonly generationId: number
  readonly protocolType: string | null
  readonly protocolName: string | null
  readonly leaderId: string
  readonly memberId: string
  readonly members: readonly JoinResultMember[]
  readonly skipAssignment: boolean
}

export interface SyncResult {
  readonly errorCode: number
  readonly protocolType: string | null
  readonly protocolName: string | null
  readonly assignment: Buffer
}

export interface MemberError {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly errorCode: number
}

export interface LeaveResult {
  /** Group-level error (COORDINATOR_NOT_AVAILABLE ...); per-member errors are in `members`. */
  readonly errorCode: number
  readonly members: readonly MemberError[]
}

export interface PartitionError {
  readonly topic: string
  readonly partition: number
  readonly errorCode: number
}

export interface FetchedOffset {
  readonly topic: string
  readonly partition: number
  /** -1 when nothing is committed. */
  readonly offset: number
  readonly leaderEpoch: number
  readonly metadata: string
  readonly errorCode: number
}

export interface OffsetFetchResult {
  readonly errorCode: number
  readonly offsets: readonly FetchedOffset[]
}

export interface MemberDescription {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly clientId: string
  readonly clientHost: string
  readonly metadata: Buffer
  readonly assignment: Buffer
}

export interface GroupDescription {
  readonly groupId: string
  readonly errorCode: number
  readonly state: string
  readonly protocolType: string
  readonly protocolData: string
  readonly members: readonly MemberDescription[]
}

export interface GroupListing {
  readonly groupId: string
  readonly protocolType: string
  readonly state: string
  /** ListGroups v5 GroupType. */
  readonly type: 'classic' | 'consumer' | 'share'
}
