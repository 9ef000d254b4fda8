// ISR changes as Kafka's AlterPartition, written by the partition leader straight to the
// partition's metadata key: accepted only when the stored state still has the leader epoch and
// partition epoch the leader acted on (else the leader is stale, or the controller changed the
// partition meanwhile, and the proposal is dropped), as one compare-and-swap on the key's mod
// revision that bumps the partition epoch. The change takes effect on the leader only when the
// metadata image brings it back (ReplicaManager.applyDelta -> Partition.makeLeader).
import type { Logger } from 'pino'
import { parsePartitionRecord, partitionKey } from '../cluster/metadata-records.ts'
import type { PartitionRecord } from '../cluster/metadata-records.ts'
import type { MetadataImage } from '../cluster/metadata-image.ts'
import type { MetadataStore } from '../cluster/store/metadata-store.ts'
import type { IsrChangeSink, Partition } from './partition.ts'

export interface AlterPartitionOptions {
  readonly store: MetadataStore
  /** The current metadata image (brokers eligible to join an ISR). */
  readonly image: () => MetadataImage
  readonly lagTimeMaxMs: number
  readonly now: () => number
  readonly log: Logger
}

export class AlterPartitionManager implements IsrChangeSink {
  readonly lagTimeMaxMs: number
  constructor(private readonly opts: AlterPartitionOptions) {
    this.lagTimeMaxMs = opts.lagTimeMaxMs
  }

  now(): number {
    return this.opts.now()
  }

  /** Only registered brokers join an ISR (a broker that is gone would hold the HW back). */
  isEligible(replicaId: number): boolean {
    return this.opts.image().brokers.has(replicaId)
  }

  async submit(partition: Partition, isr: readonly number[]): Promise<boolean> {
    const key = partitionKey(partition.topicId, partition.index)
    const { store, log } = this.opts
    // The state the proposal was made on, taken now: by the time the read below returns, the
    // partition may have applied a newer image (this broker deposed, or the ISR changed), and a
    // proposal computed under the old state must not pass as one made under the new (the
    // deterministic simulation found a deposed leader's shrink written onto its successor's state).
    const basis = { leader: partition.leaderId, leaderEpoch: partition.leaderEpoch, partitionEpoch: partition.partitionEpoch }
    const kv = (await store.range(key)).kvs.find((k) => k.key === key)
    if (!kv) return false
    const current = parsePartitionRecord(key, kv.value)
    if (current.leader !== basis.leader || current.leaderEpoch !== basis.leaderEpoch || current.partitionEpoch !== basis.partitionEpoch) {
      log.info({ topic: partition.topic, partition: partition.index, leaderEpoch: basis.leaderEpoch, partitionEpoch: basis.partitionEpoch,
        stored: { leaderEpoch: current.leaderEpoch, partitionEpoch: current.partitionEpoch } }, 'ISR change fenced: stale partition state')
      return false
    }
    const next: PartitionRecord = { ...current, isr: [...isr], partitionEpoch: current.partitionEpoch + 1 }
    const r = await store.txn({
      compare: [{ key, target: 'modRevision', equals: kv.modRevision }],
      success: [{ type: 'put', key, value: JSON.stringify(next) }],
    })
    if (r.succeeded) {
      log.info({ topic: partition.topic, partition: partition.index, from: current.isr, to: next.isr, partitionEpoch: next.partitionEpoch }, 'ISR updated')
    }
    return r.succeeded
  }

}
