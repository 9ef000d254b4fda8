// A producer batch: the records of one partition that travel in one RecordBatch, plus who is
// waiting for them. Records are encoded as they arrive (RecordBatchAppender); the batch is
// closed (header, sequence, compression, CRC) only when it is first sent, because the sequence
// number is fixed then. Callers are told per record: resolve/reject functions and the record's
// timestamp are kept in flat arrays (no per-record objects).
import { RecordBatchAppender } from '../../protocol/records/batch-appender.ts'
import type { AppendHeader, CloseOptions } from '../../protocol/records/batch-appender.ts'

export interface RecordMetadata {
  topic: string
  partition: number
  /** -1 with acks=0 (the broker does not say). */
  offset: number
  /** CreateTime given or assigned at send, or the broker's LogAppendTime. */
  timestamp: number
}

export type Resolve = (m: RecordMetadata, tag: number) => void
export type Reject = (e: Error) => void

export class ProducerBatch {
  readonly appender: RecordBatchAppender
  private readonly resolves: Resolve[] = []
  private readonly rejects: Reject[] = []
  private readonly tags: number[] = []
  private readonly timestamps: number[] = []
  /** Encoded batch, set when it is first sent (and kept for retries). */
  encoded: Buffer | null = null
  baseSequence = -1
  attempts = 0
  /** The error of the last failed attempt, named when the batch finally expires. */
  lastError: Error | null = null
  /** Bytes charged against buffer.memory. */
  bytes = 0
  readonly createdAt: number

  constructor(
    readonly topic: string,
    readonly partition: number,
    baseTimestamp: number,
    capacity: number,
    /** A pooled buffer to build the batch in (returned to the pool when the batch completes). */
    readonly pooled: Buffer | undefined,
  ) {
    this.createdAt = Date.now()
    this.appender = new RecordBatchAppender(baseTimestamp, capacity, pooled)
  }

  get count(): number {
    return this.appender.count
  }

  get size(): number {
    return this.encoded === null ? this.appender.size : this.encoded.length
  }

  append(timestamp: number, key: Buffer | string | null, value: Buffer | string | null, headers: readonly AppendHeader[] | undefined,
    resolve: Resolve, reject: Reject, tag: number): number {
    const n = this.appender.append(timestamp, key, value, headers)
    this.resolves.push(resolve)
    this.rejects.push(reject)
    this.tags.push(tag)
    this.timestamps.push(timestamp)
    this.bytes += n
    return n
  }

  /** Encodes the batch once; retries resend the same bytes (same sequence, so no duplicates). */
  encode(o: CloseOptions): Buffer {
    if (this.encoded === null) {
      this.baseSequence = o.baseSequence ?? -1
      this.encoded = this.appender.close(o)
    }
    return this.encoded
  }

  complete(baseOffset: number, logAppendTime: number): void {
    const { topic, partition } = this
    for (let i = 0; i < this.resolves.length; i++) {
      this.resolves[i]!({ topic, partition, offset: baseOffset < 0 ? -1 : baseOffset + i, timestamp: logAppendTime >= 0 ? logAppendTime : this.timestamps[i]! }, this.tags[i]!)
    }
  }

  fail(err: Error): void {
    for (const r of this.rejects) r(err)
  }
}
