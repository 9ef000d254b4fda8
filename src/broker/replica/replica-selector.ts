// Follower fetching (KIP-392): which replica a consumer should read a partition from. The leader
// asks its replica selector (replica.selector.class) on every consumer fetch that names a rack
// (Fetch v11+ RackId); an answer other than the leader goes back as PreferredReadReplica with no
// records, and the consumer fetches from that replica until it errs or the leader's choice
// changes. Kafka's RackAwareReplicaSelector, the one selector served: a client without a rack, or
// with no replica in its rack, reads from the leader; the leader wins when it is in the client's
// rack; else the most caught-up same-rack replica (largest log end offset, then the shortest time
// since it was last caught up). Candidates are only in-sync replicas holding the fetch offset.

export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector'

/** One candidate replica as the leader sees it (Kafka's ReplicaView). */
export interface ReplicaView {
  readonly id: number
  readonly rack: string | null
  readonly logEndOffset: number
  readonly timeSinceLastCaughtUpMs: number
}

/** Picks the replica a client in `clientRack` should read from (undefined: no preference). */
export type ReplicaSelector = (clientRack: string, leader: ReplicaView, replicas: readonly ReplicaView[]) => ReplicaView | undefined

export const rackAwareReplicaSelector: ReplicaSelector = (clientRack, leader, replicas) => {
  if (clientRack === '') return leader
  const sameRack = [leader, ...replicas].filter((r) => r.rack === clientRack)
  if (sameRack.length === 0 || sameRack.includes(leader)) return leader
  let best = sameRack[0]!
  for (const r of sameRack) {
    if (r.logEndOffset > best.logEndOffset
      || (r.logEndOffset === best.logEndOffset && r.timeSinceLastCaughtUpMs < best.timeSinceLastCaughtUpMs)) best = r
  }
  return best
}

/** The selector replica.selector.class names (config validation admits only Kafka's rack-aware one). */
export function replicaSelectorFor(className: string | null): ReplicaSelector | undefined {
  return className === RACK_AWARE_REPLICA_SELECTOR ? rackAwareReplicaSelector : undefined
}
