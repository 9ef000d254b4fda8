// What the controller writes when brokers go away or come back: for every partition whose leader
// is not live (or restarted: its broker epoch changed, so its old leadership is void), a new
// leader from the live in-sync replicas in replica order (the preferred replica first); dead
// replicas leave the ISR. A pure function of the image, so failover is testable without a store.
// Kafka's rules: the leader epoch grows on every leader change, the partition epoch on every
// change; with no live in-sync replica the partition goes offline (leader -1, ISR kept, so the
// last in-sync replica is elected when it returns) unless unclean.leader.election.enable lets an
// out-of-sync live replica lead (data loss accepted: its ISR is itself alone).
import type { MetadataImage, PartitionState } from './metadata-image.ts'
import { reassignmentOf } from './metadata-records.ts'
import type { PartitionRecord } from './metadata-records.ts'

export interface PartitionChange {
  readonly prev: PartitionState
  readonly next: PartitionRecord
}

export interface ElectionInput {
  readonly image: MetadataImage
  /** Brokers whose registration changed epoch since they last led (failed and rejoined). */
  readonly restarted?: ReadonlySet<number>
  /** Whether a topic allows unclean leader election (its config, else the broker default). */
  readonly unclean: (topic: string, configs: Readonly<Record<string, string>>) => boolean
}

export function electLeaders(input: ElectionInput): PartitionChange[] {
  const { image } = input
  const live = image.brokers
  const restarted = input.restarted ?? new Set<number>()
  const out: PartitionChange[] = []
  for (const topic of image.topics()) {
    let unclean: boolean | undefined
    for (const s of topic.states) {
      const leaderLost = s.leader < 0 || !live.has(s.leader) || restarted.has(s.leader)
      const liveIsr = s.isr.filter((id) => live.has(id))
      if (!leaderLost && liveIsr.length === s.isr.length) continue
      if (!leaderLost) {
        // Only followers died: they leave the ISR; the leader stays.
        out.push({ prev: s, next: record(s, s.leader, s.leaderEpoch, liveIsr) })
        continue
      }
      const candidates = s.replicas.filter((r) => liveIsr.includes(r) && r !== s.leader)
      // A restarted leader that is still in sync may lead again, but only under a new epoch.
      if (restarted.has(s.leader) && liveIsr.includes(s.leader)) candidates.push(s.leader)
      let leader = candidates[0]
      let isr = liveIsr
      if (leader === undefined) {
        unclean ??= input.unclean(topic.name, topic.configs)
        const anyLive = s.replicas.find((r) => live.has(r))
        if (unclean && anyLive !== undefined) {
          leader = anyLive
          isr = [anyLive]
        }
      }
      if (leader === undefined) {
        // Offline: keep the ISR as it was so its last member can come back as leader.
        if (s.leader === -1) continue
        out.push({ prev: s, next: record(s, -1, s.leaderEpoch + 1, s.isr) })
        continue
      }
      out.push({ prev: s, next: record(s, leader, s.leaderEpoch + 1, isr) })
    }
  }
  return out
}

function record(s: PartitionState, leader: number, leaderEpoch: number, isr: readonly number[]): PartitionRecord {
  return { replicas: s.replicas, isr: [...isr], leader, leaderEpoch, partitionEpoch: s.partitionEpoch + 1, ...reassignmentOf(s) }
}
