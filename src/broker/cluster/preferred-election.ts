// Leader elections an operator asks for (ElectLeaders) and the controller's preferred-leader
// rebalance (auto.leader.rebalance.enable), as pure functions of the image, Kafka's rules:
// - PREFERRED: the first replica of the assignment leads again, when it is live and in the ISR;
//   ELECTION_NOT_NEEDED when it already leads, PREFERRED_LEADER_NOT_AVAILABLE otherwise.
// - UNCLEAN: only a partition without a live leader; a live in-sync replica when there is one,
//   else any live replica (data loss accepted: the ISR becomes that replica alone, whatever the
//   topic's unclean.leader.election.enable says, since an operator asked for it);
//   ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is live.
// - Rebalance: for each broker, the share of the partitions it is preferred leader of that it
//   does not lead; above leader.imbalance.per.broker.percentage, its partitions whose preferred
//   replica is live and in sync are elected back to it.
// Leader epoch +1 on a leader change, partition epoch +1 on any change, as every election here.
import { ErrorCode } from '../../protocol/errors.ts'
import type { MetadataImage, PartitionState } from './metadata-image.ts'
import type { PartitionChange } from './leader-election.ts'
import { reassignmentOf } from './metadata-records.ts'

export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const

export type ElectionOutcome = { readonly change: PartitionChange } | { readonly errorCode: number, readonly message: string }

export function electPreferred(image: MetadataImage, s: PartitionState): ElectionOutcome {
  const preferred = s.replicas[0]
  if (preferred === undefined) return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message: 'the partition has no replicas' }
  if (s.leader === preferred) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `broker ${preferred} already leads` }
  if (!image.brokers.has(preferred) || !s.isr.includes(preferred)) {
    return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, message: `preferred replica ${preferred} is not live and in sync` }
  }
  return { change: changeOf(s, preferred, s.isr) }
}

export function electUnclean(image: MetadataImage, s: PartitionState): ElectionOutcome {
  if (s.leader >= 0 && image.brokers.has(s.leader)) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: `broker ${s.leader} leads` }
  const liveIsr = s.isr.filter((id) => image.brokers.has(id))
  const clean = s.replicas.find((r) => liveIsr.includes(r))
  if (clean !== undefined) return { change: changeOf(s, clean, liveIsr) }
  const any = s.replicas.find((r) => image.brokers.has(r))
  if (any === undefined) return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message: 'no replica is live' }
  return { change: changeOf(s, any, [any]) }
}

/** The preferred-leader elections that bring every too-imbalanced broker back to its share. */
export function rebalanceElections(image: MetadataImage, imbalancePercentage: number): PartitionChange[] {
  const preferredOf = new Map<number, { total: number, notLed: PartitionState[] }>()
  for (const topic of image.topics()) {
    for (const s of topic.states) {
      const preferred = s.replicas[0]
      if (preferred === undefined) continue
      let e = preferredOf.get(preferred)
      if (!e) preferredOf.set(preferred, e = { total: 0, notLed: [] })
      e.total++
      if (s.leader !== preferred) e.notLed.push(s)
    }
  }
  const out: PartitionChange[] = []
  for (const [broker, e] of preferredOf) {
    if (!image.brokers.has(broker) || e.notLed.length * 100 <= imbalancePercentage * e.total) continue
    for (const s of e.notLed) {
      const r = electPreferred(image, s)
      if ('change' in r) out.push(r.change)
    }
  }
  return out
}

function changeOf(s: PartitionState, leader: number, isr: readonly number[]): PartitionChange {
  return { prev: s, next: { replicas: s.replicas, isr: [...isr], leader, leaderEpoch: s.leaderEpoch + 1, partitionEpoch: s.partitionEpoch + 1, ...reassignmentOf(s) } }
}
