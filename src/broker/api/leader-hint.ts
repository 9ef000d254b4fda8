// KIP-951: a NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH answer to Produce (v10+) or Fetch (v12+)
// names the partition's current leader and epoch, and the response lists that leader's endpoint
// (nodeEndpoints: Produce v10+, Fetch v16+), so a client can redirect without a Metadata round trip.
import { ErrorCode } from '../../protocol/errors.ts'
import type { MetadataImage } from '../cluster/metadata-image.ts'

export interface LeaderIdAndEpoch {
  leaderId: number
  leaderEpoch: number
}

export interface NodeEndpoint {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export const NO_LEADER: Readonly<LeaderIdAndEpoch> = Object.freeze({ leaderId: -1, leaderEpoch: -1 })

/** Errors that carry the current leader. */
export function wantsLeaderHint(code: number): boolean {
  return code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.FENCED_LEADER_EPOCH
}

/** The leader of `topic`-`partition` in the image (NO_LEADER when unknown). */
export function currentLeader(image: MetadataImage, topic: string, partition: number): LeaderIdAndEpoch {
  const s = image.partition(topic, partition)
  return s && s.leader >= 0 ? { leaderId: s.leader, leaderEpoch: s.leaderEpoch } : NO_LEADER
}

/** Collects the endpoints of leaders named in hints, for the response's nodeEndpoints. */
export class LeaderEndpoints {
  /** Made on the first hint: every Produce and Fetch has one of these, few have a hint. */
  private ids: Set<number> | null = null
  constructor(private readonly image: MetadataImage) {}

  add(leader: LeaderIdAndEpoch): void {
    if (leader.leaderId >= 0) (this.ids ??= new Set()).add(leader.leaderId)
  }

  /** Endpoints of the collected leaders that are registered (first listener). */
  list(): NodeEndpoint[] {
    const out: NodeEndpoint[] = []
    if (this.ids === null) return out
    for (const id of this.ids) {
      const b = this.image.brokers.get(id)
      const l = b?.listeners[0]
      if (b && l) out.push({ nodeId: id, host: l.host, port: l.port, rack: b.rack })
    }
    return out
  }
}
