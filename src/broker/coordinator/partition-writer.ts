// The coordinator runtime's view of an internal topic's partitions on this broker: leader epoch,
// coordinator appends and the high watermark, through the replica manager's Partition.
import type { BrokerContext } from '../context.ts'
import type { CoordinatorPartitionWriter } from './runtime.ts'
import { notCoordinatorError } from './runtime.ts'

export function replicaPartitionWriter(ctx: BrokerContext, topic: string): CoordinatorPartitionWriter {
  const partition = (index: number) => {
    const p = ctx.replicas.partition(topic, index)
    if (!p) throw notCoordinatorError(`${topic}-${index} is not hosted here`)
    return p
  }
  return {
    leaderEpoch: (index) => ctx.replicas.partition(topic, index)?.leaderEpoch,
    append: async (index, batch) => (await partition(index).appendAsCoordinator(batch)).lastOffset + 1,
    highWatermark: (index) => ctx.replicas.partition(topic, index)?.highWatermark ?? -1,
  }
}
