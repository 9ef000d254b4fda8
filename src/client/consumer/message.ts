// What the consumer hands out, and the decoding of a fetched partition's record bytes into it:
// batch by batch, skipping control batches, records before the fetch position (a compressed
// batch starts where it starts) and, for read_committed, batches of aborted transactions (from
// the fetch response's aborted-transaction list and the abort markers that close them).
import { decodeRecordBatch, decodeRecordBatchWith } from '../../protocol/records/batch-decoder.ts'
import { decodeControlKey } from '../../protocol/records/control-record.ts'
import type { RecordFactory, RecordHeader } from '../../protocol/records/record.ts'
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, TIMESTAMP_TYPE_BIT, attributes, baseTimestamp, batchLength, baseOffset, isControl, isTransactional, lastOffsetDelta, magic, maxTimestamp, producerId } from '../../protocol/records/batch-header.ts'

export type { RecordHeader } from '../../protocol/records/record.ts'

export interface Message<K = Buffer | null, V = Buffer | null> {
  topic: string
  partition: number
  offset: number
  /** CreateTime, or LogAppendTime when the topic uses it. */
  timestamp: number
  key: K
  value: V
  headers: RecordHeader[]
}

/**
 * Messages are made with `new`, not an object literal. V8 tracks where literals are allocated and,
 * once a scavenge finds nearly all of a site's recent objects alive (a decoded batch not yet
 * processed, while the young generation is still small), allocates every later object of that site
 * straight in the old generation, for good ("pretenuring"). Each message then becomes
 * old-generation garbage: the heap grows, mark-compacts run every few scavenges, and the fresh
 * pages cost page faults (docs/benchmarks/streams.md, Session 12). A plain constructor has no
 * allocation site. Its prototype is Object.prototype: a message stays a plain object.
 */
const PlainMessage = function (this: Message, topic: string, partition: number, offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) {
  this.topic = topic
  this.partition = partition
  this.offset = offset
  this.timestamp = timestamp
  this.key = key
  this.value = value
  this.headers = headers
} as unknown as new (topic: string, partition: number, offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) => Message
PlainMessage.prototype = Object.prototype

export interface AbortedTxn {
  producerId: number
  firstOffset: number
}

/** End of the last complete batch in `buf` (bytes) and the offset after it; a partial tail is left. */
export function completeBatches(buf: Buffer): { end: number; nextOffset: number } {
  let pos = 0
  let nextOffset = -1
  while (buf.length - pos >= RECORD_BATCH_OVERHEAD) {
    const size = batchLength(buf, pos) + LOG_OVERHEAD
    if (pos + size > buf.length) break
    if (magic(buf, pos) !== 2) throw new Error(`record batch magic ${magic(buf, pos)} is not supported (Kafka < 0.11 format)`)
    nextOffset = baseOffset(buf, pos) + lastOffsetDelta(buf, pos) + 1
    pos += size
  }
  return { end: pos, nextOffset }
}

/**
 * Decodes the batch at `pos` into `out` (messages at or after `fromOffset`); returns the position
 * after the batch. `aborted` (read_committed) is consumed as batches pass it.
 */
export function decodeBatchInto(
  topic: string, partition: number, buf: Buffer, pos: number, fromOffset: number,
  aborted: { list: AbortedTxn[]; active: Set<number> } | null, out: Message[],
): number {
  const size = batchLength(buf, pos) + LOG_OVERHEAD
  const base = baseOffset(buf, pos)
  const last = base + lastOffsetDelta(buf, pos)
  if (aborted !== null) {
    while (aborted.list.length > 0 && aborted.list[0]!.firstOffset <= last) aborted.active.add(aborted.list.shift()!.producerId)
  }
  if (last < fromOffset) return pos + size
  if (isControl(buf, pos)) {
    if (aborted !== null) {
      const b = decodeRecordBatch(buf, pos)
      const r = b.records[0]
      if (r !== undefined && decodeControlKey(r.key).type === 0) aborted.active.delete(b.producerId)
    }
    return pos + size
  }
  if (aborted !== null && isTransactional(buf, pos) && aborted.active.has(producerId(buf, pos))) return pos + size
  // Messages are built straight from each record's fields (no Record object in between).
  const logAppendTime = (attributes(buf, pos) & TIMESTAMP_TYPE_BIT) !== 0
  const ts = logAppendTime ? maxTimestamp(buf, pos) : baseTimestamp(buf, pos)
  const make: RecordFactory<Message> = (_attributes, timestampDelta, offsetDelta, key, value, headers) =>
    new PlainMessage(topic, partition, base + offsetDelta, logAppendTime ? ts : ts + timestampDelta, key, value, headers)
  const records = decodeRecordBatchWith(buf, pos, {}, make).records
  if (base >= fromOffset) for (let i = 0; i < records.length; i++) out.push(records[i]!)
  else for (const m of records) if (m.offset >= fromOffset) out.push(m)
  return pos + size
}
