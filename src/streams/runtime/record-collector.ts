// The runtime's RecordCollector: task output (sinks, changelogs, repartition topics) goes to the
// instance's one producer. Send failures go to the production exception handler: 'fail' keeps
// the first error for the next commit to throw (the commit then fails, and under exactly-once the
// transaction aborts); 'continue' logs and goes on. Records of one processed batch go to the
// producer in one sendBatch. Changelog offsets acknowledged are remembered for checkpoints. With a
// dead-letter topic (KIP-1034), the source records of a failed batch's records go there.
// Kafka's send() blocks while the producer's buffer is full; here sendBatch() never does, so the
// runtime waits on `backlog()` when the bytes handed over and not yet acknowledged pass a bound
// (otherwise processing runs ahead of the broker and the records pile up in memory).
import type { Producer, ProducerRecord, RecordHeader } from '../../client/index.ts'
import { deadLetterRecord } from '../error-handling.ts'
import type { SourceRecord } from '../error-handling.ts'
import type { RecordCollector } from '../processor/task.ts'

type Bytes = Buffer | string | null

/**
 * Output records are made with `new`, not an object literal: a processed batch's records are all
 * alive until flush(), and V8 moves an object literal's allocation site to the old generation for
 * good once a scavenge finds most of its recent objects alive ("pretenuring"; see
 * src/client/consumer/message.ts). Its prototype is Object.prototype: plain objects still.
 */
const PlainProducerRecord = function (this: ProducerRecord, topic: string, key: Bytes, value: Bytes, timestamp: number, headers: RecordHeader[], partition: number | undefined) {
  this.topic = topic
  this.key = key
  this.value = value
  this.timestamp = timestamp
  this.headers = headers
  this.partition = partition
} as unknown as new (topic: string, key: Bytes, value: Bytes, timestamp: number, headers: RecordHeader[], partition: number | undefined) => ProducerRecord
PlainProducerRecord.prototype = Object.prototype

/** Buffered records past which send() hands them to the producer at once. */
const FLUSH_RECORDS = 4096

export class ProducerCollector implements RecordCollector {
  error: Error | null = null
  dropped = 0
  sent = 0
  /** Highest acknowledged offset per changelog topic-partition ("topic\0partition"). */
  readonly changelogOffsets = new Map<string, number>()

  constructor(
    private readonly producer: Producer,
    private readonly isChangelog: (topic: string) => boolean,
    private readonly onFailure: 'fail' | 'continue',
    private readonly log: (msg: string) => void,
    private readonly deadLetterTopic: string | undefined = undefined,
    maxBacklogBytes = 16 * 1024 * 1024,
  ) {
    this.maxBacklogBytes = maxBacklogBytes
  }

  /** Bytes handed to the producer and not acknowledged yet, past which the runtime waits (backlog()). */
  private readonly maxBacklogBytes: number
  private backlogBytes = 0
  /** Unsettled sendBatch() calls, oldest first (settled ones leave from the head). */
  private readonly inflight: { done: Promise<void>; bytes: number; settled: boolean }[] = []
  private pendingBytes = 0

  /** Records of the batch being processed; handed to the producer together by flush(). */
  private buffered: ProducerRecord[] = []
  /** The input records the buffered ones came from (only kept with a dead-letter topic). */
  private sources: SourceRecord[] = []

  send(topic: string, key: Buffer | string | null, value: Buffer | string | null, timestamp: number, headers: RecordHeader[], partition: number | undefined, source?: SourceRecord): void {
    this.sent++
    this.buffered.push(new PlainProducerRecord(topic, key, value, timestamp, headers, partition))
    // String lengths in UTF-16 units: close enough for a bound.
    this.pendingBytes += (key === null ? 0 : key.length) + (value === null ? 0 : value.length) + 64
    if (source !== undefined && this.deadLetterTopic !== undefined && this.sources[this.sources.length - 1] !== source) this.sources.push(source)
    // A commit's cache flush sends tens of thousands of records: handed over in parts, the first
    // are on the wire (the broker appending them on another core) while the rest are made.
    if (this.buffered.length >= FLUSH_RECORDS) this.flush()
  }

  /** Hands the buffered records to the producer in one sendBatch (a promise per batch, not per record). */
  flush(): void {
    if (this.buffered.length === 0) return
    const records = this.buffered
    const sources = this.sources
    this.buffered = []
    this.sources = []
    const entry = { done: null as unknown as Promise<void>, bytes: this.pendingBytes, settled: false }
    this.backlogBytes += entry.bytes
    this.pendingBytes = 0
    entry.done = this.producer.sendBatch(records).then((metas) => {
      for (const m of metas) {
        if (!this.isChangelog(m.topic)) continue
        const k = `${m.topic}\u0000${m.partition}`
        if ((this.changelogOffsets.get(k) ?? -1) < m.offset) this.changelogOffsets.set(k, m.offset)
      }
    }, (err: Error) => {
      if (sources.length > 0) this.deadLetter(sources, err)
      if (this.onFailure === 'continue') {
        this.dropped++
        this.log(`a send failed (the production exception handler continues): ${err.message}`)
        return
      }
      this.error ??= err
    }).finally(() => {
      entry.settled = true
      this.backlogBytes -= entry.bytes
      while (this.inflight.length > 0 && this.inflight[0]!.settled) this.inflight.shift()
    })
    this.inflight.push(entry)
  }

  /** True when the runtime should wait (backlog()) before processing more. */
  get backlogged(): boolean {
    return this.backlogBytes > this.maxBacklogBytes
  }

  /** Waits until the unacknowledged bytes are back under the bound (the oldest sends settle). */
  async backlog(): Promise<void> {
    while (this.backlogBytes > this.maxBacklogBytes && this.inflight.length > 0) await this.inflight[0]!.done
  }

  private deadLetter(sources: SourceRecord[], err: Error): void {
    const records = sources.map((s) => deadLetterRecord(this.deadLetterTopic!, s, err))
    this.producer.sendBatch(records).catch((e: Error) => this.log(`${records.length} records could not go to the dead-letter topic ${this.deadLetterTopic}: ${e.message}`))
  }

  partitionsFor(topic: string): number {
    return this.producer.cluster.cachedTopic(topic)?.partitions.length ?? 1
  }

  /** Throws the first send failure (production exception handler 'fail'). */
  check(): void {
    if (this.error !== null) {
      const e = this.error
      this.error = null
      throw e
    }
  }
}
