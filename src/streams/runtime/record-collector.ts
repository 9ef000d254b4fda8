// The runtime's RecordCollector: task output (sinks, changelogs, repartition topics) goes to the
// instance's one producer. Send failures go to the production exception handler: 'fail' keeps
// the first error for the next commit to throw (the commit then fails, and under exactly-once the
// transaction aborts); 'continue' logs and goes on. Records of one processed batch go to the
// producer in one sendBatch. Changelog offsets acknowledged are remembered for checkpoints. With a
// dead-letter topic (KIP-1034), the source records of a failed batch's records go there.
import type { Producer, ProducerRecord, RecordHeader } from '../../client/index.ts'
import { deadLetterRecord } from '../error-handling.ts'
import type { SourceRecord } from '../error-handling.ts'
import type { RecordCollector } from '../processor/task.ts'

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
  ) {}

  /** Records of the batch being processed; handed to the producer together by flush(). */
  private buffered: ProducerRecord[] = []
  /** The input records the buffered ones came from (only kept with a dead-letter topic). */
  private sources: SourceRecord[] = []

  send(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: RecordHeader[], partition: number | undefined, source?: SourceRecord): void {
    this.sent++
    this.buffered.push({ topic, key, value, timestamp, headers, partition })
    if (source !== undefined && this.deadLetterTopic !== undefined && this.sources[this.sources.length - 1] !== source) this.sources.push(source)
  }

  /** Hands the buffered records to the producer in one sendBatch (a promise per batch, not per record). */
  flush(): void {
    if (this.buffered.length === 0) return
    const records = this.buffered
    const sources = this.sources
    this.buffered = []
    this.sources = []
    this.producer.sendBatch(records).then((metas) => {
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
    })
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
