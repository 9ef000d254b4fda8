// The Processor API: records, processors, their context, punctuation and state stores. What the
// DSL is built from, and what users write for `KStream.process()` and `Topology.addProcessor()`.
import type { RecordHeader } from '../../client/index.ts'

export interface Record<K, V> {
  key: K
  value: V
  /** Event time in ms (from the input record, or set by the processor that forwards). */
  timestamp: number
  headers: RecordHeader[]
}

/** A KTable update: the new value and the value it replaces (null: none, or a delete). */
export interface Change<V> {
  newValue: V | null
  oldValue: V | null
}

export interface RecordMetadata {
  topic: string
  partition: number
  offset: number
}

export type PunctuationType = 'STREAM_TIME' | 'WALL_CLOCK_TIME'

export interface Cancellable {
  cancel(): void
}

export interface StateStore {
  readonly name: string
  /** Writes buffered changes through (called at commit). */
  flush(): void
  close(): void
  /** True for stores on local disk (they survive a restart and need less restoring). */
  readonly persistent: boolean
}

export interface ProcessorContext<KOut = never, VOut = never> {
  readonly applicationId: string
  /** `<subtopology>_<partition>`. */
  readonly taskId: string
  /** Sends a record to every child, or to the named child only. */
  forward<K extends KOut, V extends VOut>(record: Record<K, V>, childName?: string): void
  getStateStore<S extends StateStore>(name: string): S
  /** Calls `callback(timestamp)` every `intervalMs` of stream time or of wall-clock time. */
  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable
  /** Largest record timestamp this task has processed (-1 before the first). */
  currentStreamTimeMs(): number
  currentSystemTimeMs(): number
  /** Where the record being processed came from; null inside a punctuation. */
  recordMetadata(): RecordMetadata | null
  /** Asks for a commit as soon as possible. */
  commit(): void
}

export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void
  process(record: Record<KIn, VIn>): void
  close?(): void
}

export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>

/** Chooses the topic of each record (`to()` with a per-record topic). */
export type TopicNameExtractor<K, V> = (key: K, value: V, ctx: { topic: string | null; partition: number; offset: number }) => string

/** Chooses the partition of each record written to a topic; undefined: the default (murmur2 of the key bytes). */
export type StreamPartitioner<K, V> = (topic: string, key: K, value: V, partitions: number) => number | undefined

/** Event time of an input record; a negative answer drops the record (logged). */
export type TimestampExtractor = (record: { topic: string; partition: number; offset: number; key: unknown; value: unknown; timestamp: number }, partitionTime: number) => number
