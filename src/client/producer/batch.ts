// A producer batch: the records of one partition that travel in one RecordBatch, plus who is
// waiting for them. Records are encoded as they arrive (RecordBatchAppender); the batch is
// closed (header, sequence, compression, CRC) only when it is first sent, because the sequence
// number is fixed then. Callers are told per record without per-record closures: consecutive
// records of one sendBatch() share a run (one resolve/reject for the run), and records of
// send() share one promise per batch, from which each send() derives its own (`then` reactions
// run in registration order, so a cursor hands each its record's metadata).
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

/**
 * Per-record metadata is made with `new`, not an object literal: a batch's metadata objects are all
 * alive together, and V8 moves an object literal's allocation site to the old generation for good
 * once a scavenge finds most of its recent objects alive ("pretenuring"; see
 * src/client/consumer/message.ts). Its prototype is Object.prototype: plain objects still.
 */
const PlainMetadata = function (this: RecordMetadata, topic: string, partition: number, offset: number, timestamp: number) {
  this.topic = topic
  this.partition = partition
  this.offset = offset
  this.timestamp = timestamp
} as unknown as new (topic: string, partition: number, offset: number, timestamp: number) => RecordMetadata
PlainMetadata.prototype = Object.prototype

export type Resolve = (m: RecordMetadata, tag: number) => void
export type Reject = (e: Error, tag: number) => void

/** Consecutive records of one caller: first record, resolve/reject (null: the shared promise), first tag. */
interface Run {
  start: number
  resolve: Resolve | null
  reject: Reject | null
  tag: number
}

export class ProducerBatch {
  readonly appender: RecordBatchAppender
  /** The first record's timestamp; `timestamps` exists only once a record has another one. */
  private readonly baseTimestamp: number
  private timestamps: number[] | null = null
  /** Usually one run per batch: one array of small objects, not an array per field. */
  private readonly runs: Run[] = []
  /** Promise shared by the send() records of this batch (created on first use). */
  private shared: Promise<void> | null = null
  private sharedResolve: (() => void) | null = null
  private sharedReject: ((e: Error) => void) | null = null
  /** Cursor over the shared runs, advanced by each derived promise's reaction. */
  private cursorRun = 0
  private cursorIndex = 0
  private baseOffset = -1
  private logAppendTime = -1
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
    this.baseTimestamp = baseTimestamp
    this.appender = new RecordBatchAppender(baseTimestamp, capacity, pooled)
  }

  get count(): number {
    return this.appender.count
  }

  get size(): number {
    return this.encoded === null ? this.appender.size : this.encoded.length
  }

  /**
   * Appends a record for `resolve`/`reject` (called with `tag`), or, with resolve null, for
   * the caller of `derive()` right after. Returns the record's encoded size.
   */
  append(timestamp: number, key: Buffer | string | null, value: Buffer | string | null, headers: readonly AppendHeader[] | undefined,
    resolve: Resolve | null, reject: Reject | null, tag: number): number {
    const i = this.appender.count
    const n = this.appender.append(timestamp, key, value, headers)
    if (this.timestamps !== null) this.timestamps.push(timestamp)
    else if (timestamp !== this.baseTimestamp) {
      this.timestamps = new Array<number>(i).fill(this.baseTimestamp)
      this.timestamps.push(timestamp)
    }
    const last = this.runs.length === 0 ? undefined : this.runs[this.runs.length - 1]!
    // Extends the last run when it is the same caller's next record.
    if (last === undefined || last.resolve !== resolve || (resolve !== null && last.tag + (i - last.start) !== tag)) {
      this.runs.push({ start: i, resolve, reject, tag })
    }
    this.bytes += n
    return n
  }

  /** The promise of the record just appended with resolve null. */
  derive(): Promise<RecordMetadata> {
    if (this.shared === null) {
      this.shared = new Promise<void>((resolve, reject) => {
        this.sharedResolve = resolve
        this.sharedReject = reject
      })
    }
    return this.shared.then(this.next)
  }

  /** The next shared record's metadata (reactions run in the order derive() was called). */
  private readonly next = (): RecordMetadata => {
    let r = this.cursorRun
    let i = this.cursorIndex
    const runs = this.runs
    // Skips runs that belong to other callers, and the end of the current run.
    while (runs[r]!.resolve !== null || i >= (r + 1 < runs.length ? runs[r + 1]!.start : this.appender.count)) {
      r++
      i = runs[r]!.start
    }
    this.cursorRun = r
    this.cursorIndex = i + 1
    return this.metadata(i)
  }

  private metadata(i: number): RecordMetadata {
    const base = this.baseOffset
    const ts = this.logAppendTime >= 0 ? this.logAppendTime : this.timestamps === null ? this.baseTimestamp : this.timestamps[i]!
    return new PlainMetadata(this.topic, this.partition, base < 0 ? -1 : base + i, ts)
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
    this.baseOffset = baseOffset
    this.logAppendTime = logAppendTime
    const runs = this.runs
    const count = this.appender.count
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!
      const resolve = run.resolve
      if (resolve === null) continue
      const end = r + 1 < runs.length ? runs[r + 1]!.start : count
      const tag = run.tag - run.start
      for (let i = run.start; i < end; i++) resolve(this.metadata(i), tag + i)
    }
    if (this.sharedResolve !== null) this.sharedResolve()
  }

  fail(err: Error): void {
    const runs = this.runs
    const count = this.appender.count
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!
      const reject = run.reject
      if (reject === null) continue
      const end = r + 1 < runs.length ? runs[r + 1]!.start : count
      const tag = run.tag - run.start
      for (let i = run.start; i < end; i++) reject(err, tag + i)
    }
    if (this.sharedReject !== null) this.sharedReject(err)
  }
}
