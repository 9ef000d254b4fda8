// Per-partition queues of batches. send() appends to the partition's open batch; a batch closes
// when it reaches batch.size or when linger.ms has passed since the first record waiting
// anywhere, and then waits in its queue for the sender. Memory (buffer.memory) counts every byte
// not yet acknowledged; send() waits while it is exhausted (back pressure), up to max.block.ms.
import { ProducerBatch } from './batch.ts'
import type { Reject, Resolve } from './batch.ts'
import type { AppendHeader } from '../../protocol/records/batch-appender.ts'
import { KafkaClientError } from '../errors.ts'

const bytes = (v: Buffer | string | null): number => (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length)

/** An upper bound of a record's encoded size (varints at their widest). */
function estimateSize(key: Buffer | string | null, value: Buffer | string | null, headers: readonly AppendHeader[] | undefined): number {
  let n = 21 + bytes(key) + bytes(value)
  if (headers !== undefined) for (const h of headers) n += 10 + Buffer.byteLength(h.key, 'utf8') + bytes(h.value)
  return n
}

export class PartitionQueue {
  open: ProducerBatch | null = null
  /** Closed batches in send order (retries go back to the front, ordered by sequence). */
  readonly ready: ProducerBatch[] = []
  inFlight = 0
  /** Next sequence number (idempotence). */
  nextSequence = 0
  /** While a batch of this partition is being retried nothing else is sent (keeps order). */
  retrying = false
  /** Time before which a retry must not be sent (backoff). */
  retryAt = 0

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Puts a failed batch back in sequence order. */
  requeue(batch: ProducerBatch): void {
    let i = 0
    while (i < this.ready.length && this.ready[i]!.baseSequence >= 0 && this.ready[i]!.baseSequence < batch.baseSequence) i++
    this.ready.splice(i, 0, batch)
  }
}

export interface AccumulatorOptions {
  /** Reuse batch buffers; only safe when a batch completes after the broker answered (acks != 0). */
  poolBuffers: boolean
  batchSize: number
  lingerMs: number
  bufferMemory: number
  maxBlockMs: number
}

export class Accumulator {
  private readonly queues = new Map<string, PartitionQueue[]>()
  /** Queues with something ready or open, to scan without walking every partition. */
  readonly active = new Set<PartitionQueue>()
  bufferedBytes = 0
  /** Bytes appended since the producer was created (the pump yields by it). */
  appendedBytes = 0
  /** Batches created and not yet completed or failed. */
  outstanding = 0
  private lingerTimer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  private readonly spaceWaiters: (() => void)[] = []
  /** Batch buffers of batchSize bytes, reused: fresh memory costs a page fault per 4 KiB written. */
  private readonly pool: Buffer[] = []
  private readonly idleWaiters: (() => void)[] = []

  constructor(
    private readonly o: AccumulatorOptions,
    /** Called when batches are ready to send. */
    private readonly wake: () => void,
    /** Called when an open batch closes (sticky partitioning moves on). */
    private readonly onBatchClosed: (topic: string, partition: number) => void,
    /**
     * Called at the end of an append that filled a batch, before the append returns: a caller
     * appending many records in one go would otherwise send nothing until it is done (wakeSoon
     * runs after it), and the broker would sit idle meanwhile.
     */
    private readonly onBatchFull: () => void = () => {},
  ) {}

  queue(topic: string, partition: number): PartitionQueue {
    let qs = this.queues.get(topic)
    if (qs === undefined) this.queues.set(topic, (qs = []))
    return (qs[partition] ??= new PartitionQueue(topic, partition))
  }

  get hasSpace(): boolean {
    return this.bufferedBytes < this.o.bufferMemory
  }

  /** Resolves when buffered bytes drop below buffer.memory; rejects after max.block.ms. */
  waitForSpace(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.spaceWaiters.indexOf(done)
        if (i >= 0) this.spaceWaiters.splice(i, 1)
        reject(new KafkaClientError('BUFFER_EXHAUSTED', `buffer.memory (${this.o.bufferMemory} bytes) stayed full for max.block.ms (${this.o.maxBlockMs} ms)`, true))
      }, this.o.maxBlockMs)
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      this.spaceWaiters.push(done)
    })
  }

  append(topic: string, partition: number, timestamp: number, key: Buffer | string | null, value: Buffer | string | null,
    headers: readonly AppendHeader[] | undefined, resolve: Resolve | null, reject: Reject | null, tag: number): ProducerBatch {
    const q = this.queue(topic, partition)
    let b = q.open
    let full = false
    // A record that would push the batch past batch.size starts the next one: growing a batch
    // buffer copies it (a lone record larger than batch.size still gets a batch of its own).
    if (b !== null && b.count > 0 && b.size + estimateSize(key, value, headers) > this.o.batchSize) {
      this.close(q)
      this.wakeSoon()
      full = true
      b = null
    }
    if (b === null) {
      const pooled = this.o.poolBuffers ? this.pool.pop() ?? Buffer.allocUnsafeSlow(this.bufferSize) : undefined
      b = q.open = new ProducerBatch(topic, partition, timestamp, this.bufferSize, pooled)
      this.outstanding++
      this.active.add(q)
      this.scheduleLinger()
    }
    const n = b.append(timestamp, key, value, headers, resolve, reject, tag)
    this.bufferedBytes += n
    this.appendedBytes += n
    if (b.size >= this.o.batchSize) {
      this.close(q)
      this.wakeSoon()
      full = true
    }
    if (full) this.onBatchFull()
    return b
  }

  private close(q: PartitionQueue): void {
    const b = q.open!
    q.open = null
    q.ready.push(b)
    this.onBatchClosed(q.topic, q.partition)
  }

  /** Closes every open batch (linger expired, or flush). */
  closeAll(): void {
    for (const q of this.active) if (q.open !== null) this.close(q)
  }

  private scheduleLinger(): void {
    if (this.lingerTimer !== null) return
    if (this.o.lingerMs <= 0) {
      // Records sent in the same tick still share a batch.
      if (this.immediate === null) {
        this.immediate = setImmediate(() => {
          this.immediate = null
          this.closeAll()
          this.wake()
        })
      }
      return
    }
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null
      this.closeAll()
      this.wake()
    }, this.o.lingerMs)
  }

  private wakeSoon(): void {
    if (this.immediate !== null) return
    this.immediate = setImmediate(() => {
      this.immediate = null
      this.wake()
    })
  }

  private get bufferSize(): number {
    return Math.min(this.o.batchSize, 1024 * 1024) + 128
  }

  /** A batch left the producer (acknowledged or failed): release its memory. */
  release(b: ProducerBatch): void {
    if (b.pooled !== undefined && this.pool.length * this.bufferSize < this.o.bufferMemory) this.pool.push(b.pooled)
    this.bufferedBytes -= b.bytes
    this.outstanding--
    while (this.spaceWaiters.length > 0 && this.hasSpace) this.spaceWaiters.shift()!()
    if (this.outstanding === 0) for (const w of this.idleWaiters.splice(0)) w()
  }

  /** Resolves when every batch created so far has completed or failed. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  stop(): void {
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer)
    if (this.immediate !== null) clearImmediate(this.immediate)
    this.lingerTimer = null
    this.immediate = null
  }
}
