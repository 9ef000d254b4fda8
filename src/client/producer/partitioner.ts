// Partition choice. Keyed records: murmur2, identical to Java and librdkafka's murmur2_random.
// Keyless records: sticky partitioning (KIP-480): stay on one partition until its batch is
// sent, then switch, so keyless traffic still fills whole batches instead of spraying one
// record per partition.
import { keyPartition } from './murmur2.ts'

export interface PartitionerContext {
  topic: string
  /** Encoded key, or null. */
  key: Buffer | null
  partitions: number
}

/** A custom partitioner returns a partition number in [0, partitions). */
export type Partitioner = (ctx: PartitionerContext) => number

export class DefaultPartitioner {
  /** topic -> current sticky partition for keyless records. */
  private readonly sticky = new Map<string, number>()

  partition(topic: string, key: Buffer | null, partitions: number): number {
    if (key !== null) return keyPartition(key, partitions)
    let p = this.sticky.get(topic)
    if (p === undefined || p >= partitions) {
      p = Math.floor(Math.random() * partitions)
      this.sticky.set(topic, p)
    }
    return p
  }

  /** Called when the sticky partition's batch closed: keyless records move on. */
  batchClosed(topic: string, partition: number, partitions: number): void {
    if (this.sticky.get(topic) !== partition || partitions <= 1) return
    let next = Math.floor(Math.random() * (partitions - 1))
    if (next >= partition) next++
    this.sticky.set(topic, next)
  }
}
