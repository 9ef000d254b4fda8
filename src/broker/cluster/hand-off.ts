// Kafka's controlled shutdown, done by the leaving broker itself: the elections the controller
// would make once this broker is gone, written now, each batch guarded by the partitions' mod
// revisions (a concurrent change wins, and the controller finishes the job after we leave).
// Partitions with no other in-sync replica keep this broker as leader until it stops. Shared by
// ClusterNode's shutdown and the deterministic simulation's hand-off fault (tools/sim/).
import { ELECTION_BATCH } from './failover-controller.ts'
import { electLeaders } from './leader-election.ts'
import { MetadataImage } from './metadata-image.ts'
import { partitionKey } from './metadata-records.ts'
import type { MetadataStore } from './store/metadata-store.ts'

export interface HandOffResult {
  /** Partitions whose leadership moved away from `me`. */
  readonly leadersMoved: number
  /** Partitions where `me` only left the ISR. */
  readonly isrLeft: number
  /** The store revision of the last write that succeeded (0: none). */
  readonly revision: number
}

export async function handOffLeadership(store: MetadataStore, image: MetadataImage, me: number): Promise<HandOffResult> {
  const others = new Map(image.brokers)
  others.delete(me)
  const { byName, byId } = image.maps
  const without = new MetadataImage(image.revision, image.clusterId, byName, byId, others, image.controller)
  const changes = electLeaders({ image: without, unclean: () => false })
    .filter((c) => (c.prev.leader === me || c.prev.isr.includes(me)) && c.next.leader >= 0)
  let revision = 0
  for (let i = 0; i < changes.length; i += ELECTION_BATCH) {
    const batch = changes.slice(i, i + ELECTION_BATCH)
    const r = await store.txn({
      compare: batch.map((c) => ({ key: partitionKey(c.prev.topicId, c.prev.partition), target: 'modRevision' as const, equals: c.prev.modRevision ?? 0 })),
      success: batch.map((c) => ({ type: 'put' as const, key: partitionKey(c.prev.topicId, c.prev.partition), value: JSON.stringify(c.next) })),
    })
    if (r.succeeded) revision = r.revision
  }
  const leadersMoved = changes.filter((c) => c.prev.leader === me).length
  return { leadersMoved, isrLeft: changes.length - leadersMoved, revision }
}
