// Group administration (DescribeGroups, ListGroups, DeleteGroups): read views of the shard's
// groups, and deletion through the offset manager's tombstones.
import { ErrorCode } from '../../../protocol/errors.ts'
import type { GroupShardState } from './group-shard-state.ts'
import type { OffsetManager } from './offset-manager.ts'
import type { GroupRecord } from './records.ts'
import type { GroupDescription, GroupListing } from './results.ts'

const EMPTY = Buffer.alloc(0)

export class GroupAdmin {
  constructor(private readonly s: GroupShardState, private readonly o: OffsetManager) {}

  describeGroup(groupId: string): GroupDescription {
    const err = this.s.checkGroup(groupId, true)
    const dead = { groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] }
    if (err !== ErrorCode.NONE) return { ...dead, errorCode: err }
    const group = this.s.groups.get(groupId)
    if (!group) return { ...dead, errorCode: ErrorCode.NONE }
    const stable = group.is('Stable')
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? group.protocolName ?? '' : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? group.metadataOf(m, group.protocolName) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    }
  }

  /** Groups that are not Dead; filters match case-insensitively (ListGroups v4 states, v5 types). */
  listGroups(statesFilter: readonly string[] = [], typesFilter: readonly string[] = []): GroupListing[] {
    const types = new Set(typesFilter.map((t) => t.toLowerCase()))
    const states = new Set(statesFilter.map((s) => s.toLowerCase()))
    const out: GroupListing[] = []
    const listed = (groupId: string, state: string) =>
      this.s.serves(this.s.partitionFor(groupId)) && (states.size === 0 || states.has(state.toLowerCase()))
    if (types.size === 0 || types.has('classic')) {
      for (const g of this.s.groups.values()) {
        if (g.is('Dead') || !listed(g.groupId, g.state)) continue
        out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state, type: 'classic' })
      }
    }
    if (types.size === 0 || types.has('consumer')) {
      for (const g of this.s.consumerGroups.values()) {
        if (listed(g.groupId, g.state)) out.push({ groupId: g.groupId, protocolType: 'consumer', state: g.state, type: 'consumer' })
      }
    }
    if (types.size === 0 || types.has('share')) {
      for (const g of this.s.shareGroups.values()) {
        if (listed(g.groupId, g.state)) out.push({ groupId: g.groupId, protocolType: 'share', state: g.state, type: 'share' })
      }
    }
    return out
  }

  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string, errorCode: number }[]> {
    return Promise.all(groupIds.map(async (groupId) => ({ groupId, errorCode: await this.deleteGroup(groupId) })))
  }

  private deleteGroup(groupId: string): Promise<number> {
    const err = this.s.checkGroup(groupId, true)
    if (err !== ErrorCode.NONE) return Promise.resolve(err)
    const inFlight = this.s.deleting.get(groupId)
    if (inFlight) return inFlight
    const consumerGroup = this.s.consumerGroups.get(groupId)
    if (consumerGroup) {
      if (consumerGroup.members.size > 0) return Promise.resolve(ErrorCode.NON_EMPTY_GROUP)
      // Offsets first, then the consumer group's own records (the last group tombstone is the classic one's).
      const records = this.o.tombstones(groupId)
      records.splice(records.length - 1, 0, { type: 'cg-target-epoch', group: groupId, value: null }, { type: 'cg-epoch', group: groupId, value: null })
      return this.o.writeDeletion(groupId, records, 'appending consumer group deletion')
    }
    const shareGroup = this.s.shareGroups.get(groupId)
    if (shareGroup) {
      if (shareGroup.members.size > 0) return Promise.resolve(ErrorCode.NON_EMPTY_GROUP)
      const records: GroupRecord[] = [...shareGroup.targetAssignment.keys()].map((memberId) => ({ type: 'sg-target', group: groupId, memberId, value: null }))
      if (shareGroup.statePartitions !== null) records.push({ type: 'sg-state-partitions', group: groupId, value: null })
      records.push({ type: 'sg-target-epoch', group: groupId, value: null }, { type: 'sg-epoch', group: groupId, value: null })
      return this.o.writeDeletion(groupId, records, 'appending share group deletion')
    }
    const group = this.s.groups.get(groupId)
    if (!group || group.is('Dead')) return Promise.resolve(ErrorCode.GROUP_ID_NOT_FOUND)
    if (!group.is('Empty')) return Promise.resolve(ErrorCode.NON_EMPTY_GROUP)
    return this.o.writeDeletion(groupId, this.o.tombstones(groupId), 'appending group deletion')
  }
}
