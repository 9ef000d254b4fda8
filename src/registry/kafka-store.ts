// The registry's storage: the compacted one-partition topic `_schemas`, read from the beginning at
// start-up and followed from then on (as Confluent's KafkaStore does). Every change is written as a
// record and takes effect only when the follower replays it, so memory never holds anything the
// log does not, and every broker's registry reaches the same state in the same order.
import { Admin, Consumer, KafkaClientError, KafkaError, Producer } from '../client/index.ts'
import type { ClientOptions } from '../client/index.ts'
import { encodeKey } from './records.ts'
import type { RegistryKey } from './records.ts'
import { RegistryState } from './state.ts'
import type { ApplyOutcome } from './state.ts'
import { storeError, storeTimeout } from './errors.ts'

export interface KafkaStoreOptions {
  readonly client: ClientOptions
  /** Default `_schemas` (Confluent's kafkastore.topic). */
  readonly topic?: string
  /** How long a write or the start-up replay may take. Default 30 000 (kafkastore.timeout.ms is 500, but a cold broker needs longer). */
  readonly timeoutMs?: number
  readonly onError?: (err: unknown) => void
}

interface Waiter {
  offset: number
  resolve: () => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

export class KafkaStore {
  readonly state = new RegistryState()
  readonly topic: string
  private readonly timeoutMs: number
  private readonly admin: Admin
  private readonly producer: Producer
  private readonly consumer: Consumer
  private readonly abort = new AbortController()
  /** Offset after the last record replayed. */
  private applied = 0
  /** Outcome of the recently replayed offsets, for the writers waiting on them. */
  private readonly outcomes = new Map<number, ApplyOutcome>()
  private readonly waiters: Waiter[] = []
  private follower: Promise<void> | undefined
  private failure: Error | undefined
  private closed = false

  constructor(private readonly opts: KafkaStoreOptions) {
    this.topic = opts.topic ?? '_schemas'
    this.timeoutMs = opts.timeoutMs ?? 30_000
    this.admin = new Admin(opts.client)
    // Not idempotent: in cluster mode brokers hand out the same producer ids (per-broker id blocks),
    // so two brokers' registries would be taken for one producer and one's records dropped as
    // duplicates. A record written twice by a retry replays to the same state.
    this.producer = new Producer({ ...opts.client, acks: 'all', idempotent: false, lingerMs: 0, allowAutoTopicCreation: false })
    this.consumer = new Consumer({ ...opts.client, autoOffsetReset: 'earliest', autoCommit: false, fetchMaxWaitMs: 100, signal: this.abort.signal })
  }

  /**
   * Retries retriable client failures (a broker gone, a leader moving) until the store's timeout:
   * the registry outlives a broker of its cluster, which takes longer than the client's own retries.
   */
  private async patiently<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await fn()
      } catch (err) {
        const retriable = err instanceof KafkaClientError && err.retriable
        if (!retriable || this.closed || Date.now() + delay > deadline) throw storeError(`${what}: ${(err as Error).message}`)
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  /** Creates the topic when missing, then replays it to its end. */
  async start(): Promise<void> {
    await this.patiently('creating the schemas topic', () => this.ensureTopic())
    this.consumer.assign([{ topic: this.topic, partition: 0 }])
    this.follower = this.follow()
    await this.sync()
  }

  private async ensureTopic(): Promise<void> {
    const { brokers } = await this.admin.describeCluster()
    try {
      await this.admin.createTopics([{
        topic: this.topic,
        numPartitions: 1,
        replicationFactor: Math.min(3, brokers.length),
        configs: { 'cleanup.policy': 'compact' },
      }])
    } catch (err) {
      if (!(err instanceof KafkaError && err.is('TOPIC_ALREADY_EXISTS'))) throw err
    }
  }

  private async follow(): Promise<void> {
    try {
      for await (const m of this.consumer) {
        const outcome = this.state.applyRecord(m.key, m.value)
        this.applied = m.offset + 1
        // Kept for a while: a writer may learn its offset only after the replay passed it.
        this.outcomes.set(m.offset, outcome)
        if (this.outcomes.size > 4096) this.outcomes.delete(this.outcomes.keys().next().value!)
        if (this.waiters.length > 0) this.wake()
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err))
      this.opts.onError?.(err)
      for (const w of this.waiters.splice(0)) { clearTimeout(w.timer); w.reject(storeError(this.failure.message)) }
    }
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!
      if (this.applied >= w.offset) {
        this.waiters.splice(i, 1)
        clearTimeout(w.timer)
        w.resolve()
      }
    }
  }

  /** Resolves once everything below `offset` has been replayed. */
  private until(offset: number): Promise<void> {
    if (this.failure) return Promise.reject(storeError(this.failure.message))
    if (this.applied >= offset) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        offset, resolve, reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          reject(storeTimeout(`the schemas topic was not read up to offset ${offset} within ${this.timeoutMs} ms`))
        }, this.timeoutMs),
      }
      this.waiters.push(w)
    })
  }

  /**
   * Waits until this registry has replayed everything written so far (by any broker). Like
   * Confluent's KafkaStore it learns the end by writing a NOOP record (a tombstone compaction
   * removes): the producer follows leader changes, which a listing of offsets would not.
   */
  async sync(): Promise<void> {
    await this.put({ keytype: 'NOOP' }, null)
  }

  /** Writes one record and resolves with how the replay took it ('conflict' when another writer won). */
  async put(key: RegistryKey, value: Buffer | null): Promise<ApplyOutcome> {
    const meta = await this.patiently('writing to the schemas topic', () => this.producer.send({ topic: this.topic, partition: 0, key: encodeKey(key), value }))
    const offset = meta.offset
    await this.until(offset + 1)
    const outcome = this.outcomes.get(offset) ?? 'applied'
    this.outcomes.delete(offset)
    return outcome
  }

  async close(): Promise<void> {
    this.closed = true
    this.abort.abort()
    for (const w of this.waiters.splice(0)) { clearTimeout(w.timer); w.reject(storeError('the registry is closing')) }
    await Promise.allSettled([this.consumer.close(), this.producer.close(), this.admin.close()])
    await this.follower
  }
}
