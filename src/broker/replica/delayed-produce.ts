// acks=all: a produce answers once the high watermark covers its last offset (every in-sync
// replica has the batches) while this broker still leads in the epoch it appended in, or its
// timeout passes. A replica that became a follower may see its HW pass the offset with the new
// leader's records there (its own batch truncated): that is no confirmation (Kafka completes a
// delayed produce with NOT_LEADER_OR_FOLLOWER then; the deterministic simulation found it). On a single node the HW moves as the append is
// acknowledged, so the wait ends at once; with followers (the cluster) their fetches move the HW
// and wake the waiting produces through the same purgatory as delayed fetches.
import type { Partition } from './partition.ts'
import type { DelayedOperation, Purgatory } from './purgatory.ts'

/** The HW covers `requiredOffset` on `partition` still leading in `leaderEpoch`. */
function replicated(partition: Partition, requiredOffset: number, leaderEpoch: number): boolean {
  return partition.isLeader && partition.leaderEpoch === leaderEpoch && partition.highWatermark >= requiredOffset
}

class DelayedProduce implements DelayedOperation {
  private settled = false
  constructor(
    readonly deadline: number,
    private readonly partition: Partition,
    private readonly requiredOffset: number,
    private readonly leaderEpoch: number,
    private readonly resolve: (replicated: boolean) => void,
  ) {}

  onData(partition: Partition): boolean {
    return partition === this.partition && replicated(partition, this.requiredOffset, this.leaderEpoch)
  }

  complete(): void {
    if (this.settled) return
    this.settled = true
    this.resolve(replicated(this.partition, this.requiredOffset, this.leaderEpoch))
  }
}

/**
 * Resolves true once `partition`'s HW reaches `requiredOffset` while it leads in `leaderEpoch`
 * (default: its epoch now; pass the epoch the append was made in), false after `timeoutMs` or once
 * it no longer leads in that epoch (at the latest when the role change completes waiting operations).
 */
export function awaitReplication(purgatory: Purgatory, partition: Partition, requiredOffset: number, timeoutMs: number,
  leaderEpoch = partition.leaderEpoch): Promise<boolean> {
  if (replicated(partition, requiredOffset, leaderEpoch)) return Promise.resolve(true)
  if (!partition.isLeader || partition.leaderEpoch !== leaderEpoch) return Promise.resolve(false)
  return new Promise((resolve) => {
    purgatory.add(new DelayedProduce(purgatory.clock.now() + timeoutMs, partition, requiredOffset, leaderEpoch, resolve), [partition])
  })
}
