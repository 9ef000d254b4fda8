// acks=all: a produce answers once the high watermark covers its last offset (every in-sync
// replica has the batches) or its timeout passes. On a single node the HW moves as the append is
// acknowledged, so the wait ends at once; with followers (the cluster) their fetches move the HW
// and wake the waiting produces through the same purgatory as delayed fetches.
import type { Partition } from './partition.ts'
import type { DelayedOperation, Purgatory } from './purgatory.ts'

class DelayedProduce implements DelayedOperation {
  private settled = false
  constructor(
    readonly deadline: number,
    private readonly partition: Partition,
    private readonly requiredOffset: number,
    private readonly resolve: (replicated: boolean) => void,
  ) {}

  onData(partition: Partition): boolean {
    return partition === this.partition && partition.highWatermark >= this.requiredOffset
  }

  complete(): void {
    if (this.settled) return
    this.settled = true
    this.resolve(this.partition.highWatermark >= this.requiredOffset)
  }
}

/** Resolves true once `partition`'s HW reaches `requiredOffset`, false after `timeoutMs`. */
export function awaitReplication(purgatory: Purgatory, partition: Partition, requiredOffset: number, timeoutMs: number): Promise<boolean> {
  if (partition.highWatermark >= requiredOffset) return Promise.resolve(true)
  return new Promise((resolve) => {
    purgatory.add(new DelayedProduce(purgatory.clock.now() + timeoutMs, partition, requiredOffset, resolve), [partition])
  })
}
