// A KIP-932 share group (Kafka's ShareGroup/ShareGroupMember): the group epoch (bumped when
// members or subscriptions or the subscribed topics change), the target assignment and its epoch,
// and per member its subscription and current assignment. Unlike a consumer group, partitions are
// not owned exclusively: several members may be assigned one partition (the share-partition hands
// each record to one of them), so a member takes its target assignment at once, without a
// revocation round. Only replay changes this state.
import type { Assignment } from './consumer-group.ts'
import type { StatePartitions } from './share-group-state-partitions.ts'

export const SHARE_LEAVE_GROUP_MEMBER_EPOCH = -1

export interface ShareGroupMember {
  readonly memberId: string
  rackId: string | null
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  memberEpoch: number
  previousMemberEpoch: number
  assigned: Assignment
}

export function newShareMember(memberId: string): ShareGroupMember {
  return { memberId, rackId: null, clientId: '', clientHost: '', subscribedTopicNames: [], memberEpoch: 0, previousMemberEpoch: 0, assigned: new Map() }
}

export type ShareGroupState = 'Empty' | 'Stable'

export class ShareGroup {
  groupEpoch = 0
  metadataHash = 0n
  assignmentEpoch = 0
  readonly members = new Map<string, ShareGroupMember>()
  readonly targetAssignment = new Map<string, Assignment>()
  /** Share-partitions with state (ShareGroupStatePartitionMetadata); null: the group has no such record. */
  statePartitions: StatePartitions | null = null

  constructor(readonly groupId: string) {}

  get state(): ShareGroupState {
    return this.members.size === 0 ? 'Empty' : 'Stable'
  }

  /** Every topic name some member subscribes to. */
  subscribedTopicNames(): Set<string> {
    const out = new Set<string>()
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.add(t)
    return out
  }
}

export interface SimpleAssignorInput {
  /** memberId → subscribed topic ids. */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>
  /** topic id → partition count. */
  readonly partitions: ReadonlyMap<string, number>
}

/**
 * The `simple` share assignor: per topic, its partitions spread over the members subscribed to it
 * (in member-id order). With fewer members than partitions each partition goes to one member; with
 * more, every member gets one partition and partitions are shared. Every partition of a subscribed
 * topic is assigned to at least one subscriber.
 */
export function simpleAssign(input: SimpleAssignorInput): Map<string, Assignment> {
  const out = new Map<string, Assignment>()
  const ids = [...input.members.keys()].sort()
  for (const id of ids) out.set(id, new Map())
  for (const [topicId, count] of [...input.partitions].sort((a, b) => a[0] < b[0] ? -1 : 1)) {
    const subs = ids.filter((id) => input.members.get(id)!.has(topicId))
    if (subs.length === 0 || count === 0) continue
    const give = (id: string, p: number) => {
      const a = out.get(id)!
      const set = a.get(topicId) ?? new Set<number>()
      set.add(p)
      a.set(topicId, set)
    }
    if (subs.length <= count) for (let p = 0; p < count; p++) give(subs[p % subs.length]!, p)
    else subs.forEach((id, i) => give(id, i % count))
  }
  return out
}
