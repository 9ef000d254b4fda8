// Applies a committed transaction's group offsets: written to the group's __consumer_offsets
// partition as ordinary offset commits (what the group coordinator replays at start-up), then
// replayed into the live group coordinator so OffsetFetch sees them.
import { buildRecordBatch } from '../../../protocol/records/index.ts'
import type { BrokerContext } from '../../context.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../../cluster/topic-names.ts'
import { groupServiceOf } from '../group/group-of.ts'
import { encodeGroupRecord } from '../group/records.ts'
import type { GroupRecord } from '../group/records.ts'
import type { ApplyOffsets } from './txn-offsets.ts'

export function groupOffsetApplier(ctx: BrokerContext): ApplyOffsets {
  return async (groupId, offsets) => {
    if (offsets.length === 0) return
    const service = groupServiceOf(ctx)
    await service.whenLoaded()
    const groups = service.coordinator
    const index = groups.partitionFor(groupId)
    const partition = ctx.replicas.partition(CONSUMER_OFFSETS_TOPIC, index)
    if (!partition) throw new Error(`${CONSUMER_OFFSETS_TOPIC}-${index} is not hosted here`)
    const now = ctx.clock.now()
    const records: GroupRecord[] = offsets.map((o) => ({
      type: 'offset', group: groupId, topic: o.topic, partition: o.partition,
      value: { offset: BigInt(o.offset), leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: BigInt(now), expireTimestamp: -1n },
    }))
    await partition.appendAsCoordinator(buildRecordBatch({
      baseTimestamp: now,
      records: records.map((r) => ({ ...encodeGroupRecord(r), timestamp: now })),
    }))
    for (const r of records) groups.replay(r)
  }
}
