// KafkaJS's partitioners, for `producer({ createPartitioner })`. A partitioner factory returns a
// function of { topic, partitionMetadata, message } that names the partition of every message.
// DefaultPartitioner (alias JavaCompatiblePartitioner) hashes keys with Java's murmur2, as
// samsa/client and every Kafka client do; LegacyPartitioner is KafkaJS 1.x's default, whose murmur2
// computes in floating point and so sends some keys elsewhere — kept so data produced with it keeps
// landing where it always did. Keyless messages go round-robin over partitions with a leader.
import { randomInt } from 'node:crypto'
import { murmur2 } from '../producer/murmur2.ts'
import type { TopicInfo } from '../cluster.ts'
import type { Message, PartitionMetadata } from './types.ts'

export interface PartitionerArgs {
  topic: string
  partitionMetadata: PartitionMetadata[]
  message: Message
}

export type ICustomPartitioner = () => (args: PartitionerArgs) => number

const SEED = 0x9747b28c
const M = 0x5bd1e995

/**
 * KafkaJS 1.x's murmur2. Its products are float64 (not 32-bit) multiplications, truncated only by
 * the next xor, and its word loop also reads the tail as a zero-padded word before the tail step.
 * Results differ from Java's for many keys; that difference is the point of keeping it.
 */
export function legacyMurmur2(data: Buffer): number {
  const byte = (i: number): number => (i < data.length ? data[i]! : 0)
  let h = SEED ^ data.length
  for (let word = 0; word * 4 < data.length; word++) {
    const at = word * 4
    let k = byte(at) + (byte(at + 1) << 8) + (byte(at + 2) << 16) + (byte(at + 3) << 24)
    k = k * M
    k = k ^ (k >>> 24)
    k = k * M
    h = (h * M) ^ k
  }
  const tail = data.length & ~3
  const rest = data.length % 4
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16
    if (rest >= 2) h ^= data[tail + 1]! << 8
    h ^= data[tail]!
    h = h * M
  }
  h ^= h >>> 13
  h = h * M
  h ^= h >>> 15
  return h
}

const keyBytes = (key: Buffer | string): Buffer => (Buffer.isBuffer(key) ? key : Buffer.from(String(key)))

function partitionerFactory(hash: (key: Buffer) => number): ICustomPartitioner {
  return () => {
    const counters = new Map<string, number>()
    return ({ topic, partitionMetadata, message }) => {
      if (message.partition !== null && message.partition !== undefined) return message.partition
      const count = partitionMetadata.length
      if (message.key !== null && message.key !== undefined) return (hash(keyBytes(message.key)) & 0x7fffffff) % count
      const next = (counters.get(topic) ?? randomInt(0x7fffffff)) + 1
      counters.set(topic, next)
      const live = partitionMetadata.filter((p) => p.leader >= 0)
      return live.length > 0 ? live[(next & 0x7fffffff) % live.length]!.partitionId : (next & 0x7fffffff) % count
    }
  }
}

const javaCompatible = partitionerFactory(murmur2)

export const Partitioners = {
  DefaultPartitioner: javaCompatible,
  JavaCompatiblePartitioner: javaCompatible,
  LegacyPartitioner: partitionerFactory(legacyMurmur2),
}

/** KafkaJS's partition metadata from the client's topic metadata. */
export function partitionMetadata(info: TopicInfo): PartitionMetadata[] {
  return info.partitions.map((p) => ({ partitionErrorCode: p.errorCode, partitionId: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr }))
}
