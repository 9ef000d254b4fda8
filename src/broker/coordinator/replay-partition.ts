// Start-up replay of one internal-topic partition (`__consumer_offsets`, `__transaction_state`):
// reads from the log start to the high watermark the partition had when loading began (once it
// covers the log end at election) and hands every decoded
// batch to the coordinator, which counts what it applied. Shared so both coordinators load the
// same way.
import { decodeRecordBatch } from '../../protocol/records/index.ts'
import type { RecordBatch } from '../../protocol/records/batch-decoder.ts'
import { LOG_OVERHEAD } from '../../protocol/records/batch-header.ts'
import type { BrokerContext } from '../context.ts'

/** Replays `topic`-`index`; `onBatch` returns how many records it applied. Returns the total. */
export async function replayPartition(
  ctx: BrokerContext,
  topic: string,
  index: number,
  maxBytes: number,
  onBatch: (batch: RecordBatch) => number,
): Promise<number> {
  const p = ctx.replicas.partition(topic, index)
  if (!p) return 0
  // A new leader may not know its high watermark yet (it re-learns it from its followers after a
  // restart): what its log held when it was elected is replayed once the HW covers it, so the
  // coordinator acts on committed records only and misses none of them.
  const target = p.logEndOffset
  while (p.highWatermark < target) {
    if (ctx.replicas.partition(topic, index) !== p || !p.isLeader) return 0
    await ctx.replicas.awaitReplication(p, target, 1000)
  }
  const end = p.highWatermark
  let offset = p.logStartOffset
  let count = 0
  while (offset < end) {
    const res = await p.readForReplay(offset, Math.max(maxBytes, 64 * 1024))
    if (res.batches.length === 0) break
    const before = offset
    for (const buf of res.batches) {
      let pos = 0
      while (pos + LOG_OVERHEAD <= buf.length) {
        const batch = decodeRecordBatch(buf, pos)
        pos += LOG_OVERHEAD + batch.batchLength
        offset = batch.baseOffset + batch.lastOffsetDelta + 1
        count += onBatch(batch)
      }
    }
    if (offset <= before) break
  }
  return count
}
