// Reading one share-partition for a ShareFetch: whole batches from the share-partition's next
// fetch offset up to the high watermark (share.isolation.level read_uncommitted) or the last
// stable offset (read_committed), then acquiring what is available in them for the member. Control
// batches are never delivered, nor (read_committed) batches of aborted transactions: they are
// archived as they are passed. The record bytes go out as the log holds them; the member keeps
// only the acquired offsets.
import { RECORD_BATCH_OVERHEAD, baseOffset, batchSize, isControl, isTransactional, lastOffset, producerId } from '../../protocol/records/batch-header.ts'
import type { Partition } from '../replica/partition.ts'
import type { AcquiredRange, FetchedBatch, SharePartition } from './share-partition.ts'

export interface ShareRead {
  readonly records: readonly Buffer[]
  readonly acquired: readonly AcquiredRange[]
  readonly bytes: number
}

const NOTHING: ShareRead = { records: [], acquired: [], bytes: 0 }

export async function readAndAcquire(
  p: Partition, sp: SharePartition, memberId: string, maxBytes: number, maxRecords: number, exact: boolean, readCommitted: boolean,
): Promise<ShareRead> {
  if (p.logStartOffset > sp.spso) sp.moveStartTo(p.logStartOffset)
  const bound = p.fetchBound(readCommitted)
  if (maxRecords <= 0 || !sp.hasAvailable(bound)) return NOTHING
  const from = sp.nextFetchOffset()
  const res = await p.read(from, Math.max(1, maxBytes), readCommitted)
  if (res.batches.length === 0) return NOTHING
  const batches: FetchedBatch[] = []
  for (const buf of res.batches) {
    for (let pos = 0; pos + RECORD_BATCH_OVERHEAD <= buf.length; pos += batchSize(buf, pos)) {
      batches.push({ baseOffset: baseOffset(buf, pos), lastOffset: lastOffset(buf, pos), skip: isControl(buf, pos) })
    }
  }
  if (readCommitted) markAborted(p, from, res.batches, batches)
  const acquired = sp.acquire(memberId, batches, maxRecords, exact)
  if (acquired.length === 0) return NOTHING
  return { records: res.batches, acquired, bytes: res.bytes }
}

/** Marks the batches of aborted transactions (the transaction index's aborted list) as never delivered. */
function markAborted(p: Partition, from: number, bufs: readonly Buffer[], batches: FetchedBatch[]): void {
  const end = batches.length > 0 ? batches[batches.length - 1]!.lastOffset + 1 : from
  const aborted = p.abortedTransactions(from, end)
  if (aborted.length === 0) return
  // Each aborted transaction spans from its first offset up to its producer's abort marker.
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset)
  const open = new Set<number>()
  let i = 0
  let n = 0
  for (const buf of bufs) {
    for (let pos = 0; pos + RECORD_BATCH_OVERHEAD <= buf.length; pos += batchSize(buf, pos), n++) {
      const b = batches[n]!
      while (i < pending.length && pending[i]!.firstOffset <= b.lastOffset) open.add(pending[i++]!.producerId)
      if (!isTransactional(buf, pos)) continue
      const pid = producerId(buf, pos)
      if (!open.has(pid)) continue
      if (isControl(buf, pos)) open.delete(pid)
      else batches[n] = { ...b, skip: true }
    }
  }
}
