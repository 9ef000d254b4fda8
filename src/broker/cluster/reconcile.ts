// Start-up reconciliation of cluster metadata with the partition logs found on disk. Metadata is
// the source of truth, but data is never thrown away on a guess: partitions whose topic the
// metadata does not know (a lost or older metadata file) are adopted as topics with a fresh id
// and a warning; a topic with fewer partitions than its logs on disk is grown to cover them.
import type { Logger } from 'pino'
import type { MetadataStore } from './metadata-store.ts'

export interface PartitionOnDisk {
  readonly topic: string
  readonly partition: number
}

export async function reconcileWithDisk(metadata: MetadataStore, partitions: Iterable<PartitionOnDisk>, log: Logger): Promise<void> {
  const highest = new Map<string, number>()
  for (const p of partitions) highest.set(p.topic, Math.max(highest.get(p.topic) ?? -1, p.partition))
  for (const [topic, max] of highest) {
    const known = metadata.topic(topic)
    if (!known) {
      log.warn({ topic, partitions: max + 1 }, 'partition logs on disk for a topic missing from cluster metadata: adopting it')
      await metadata.createTopic(topic, max + 1, {}, topic.startsWith('__'))
    } else if (known.partitions <= max) {
      log.warn({ topic, partitions: known.partitions, onDisk: max + 1 }, 'more partition logs on disk than in cluster metadata: growing the topic')
      await metadata.setPartitions(topic, max + 1)
    }
  }
}
