// The producer: `send()` resolves to { topic, partition, offset, timestamp } once the broker has
// the record (acks), `flush()` waits for everything sent so far. Idempotence is on by default
// (InitProducerId, sequence numbers, up to 5 requests in flight, order kept across retries).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id.ts'
import { codecByName } from '../../protocol/records/compression/index.ts'
import type { AppendHeader } from '../../protocol/records/batch-appender.ts'
import { Cluster } from '../cluster.ts'
import type { TopicInfo } from '../cluster.ts'
import { AbortedError, ClientConfigError, KafkaClientError, KafkaError } from '../errors.ts'
import { nonNegative, resolveClientOptions } from '../options.ts'
import type { ClientOptions } from '../options.ts'
import { retry } from '../retry.ts'
import { Accumulator } from './accumulator.ts'
import type { ProducerBatch, RecordMetadata, Resolve, Reject } from './batch.ts'
import { DefaultPartitioner } from './partitioner.ts'
import { stringKeyPartition } from './murmur2.ts'
import type { Partitioner } from './partitioner.ts'
import { Sender } from './sender.ts'
import { TransactionManager } from './transactions.ts'
import { SendGroup } from './send-queue.ts'
import type { QueuedRecords } from './send-queue.ts'
import type { GroupMetadata } from './transactions.ts'
import type { TopicPartition, TopicPartitionOffset } from '../offsets.ts'
import type { ProducerIdentity } from './sender.ts'

export type { RecordMetadata } from './batch.ts'

/** Bytes as given to the producer: a Buffer, a string (UTF-8) or null. */
export type Bytes = Buffer | string | null

export type Serializer<T> = (value: T, topic: string) => Bytes

export interface ProducerRecord<K = Bytes, V = Bytes> {
  topic: string
  key?: K | null
  value: V | null
  /** Explicit partition; otherwise the partitioner decides. */
  partition?: number
  /** As an object ({ 'trace-id': 'abc' }) or a list (repeated keys allowed). */
  headers?: Record<string, string | Buffer> | AppendHeader[]
  /** CreateTime in ms; default now. */
  timestamp?: number
}

export interface ProducerMetrics {
  recordsSent: number
  bytesSent: number
  batchesSent: number
  requests: number
  retries: number
  recordErrors: number
  /** Bytes accepted by send() and not yet acknowledged (bounded by bufferMemory). */
  bufferedBytes: number
  recordsPerSec: number
  bytesPerSec: number
  requestLatencyAvgMs: number
  requestLatencyMaxMs: number
}

export interface ProducerOptions<K = Bytes, V = Bytes> extends ClientOptions {
  /** 0, 1 or 'all' (-1). Default 'all'. */
  acks?: 0 | 1 | -1 | 'all'
  /** Default true (needs acks 'all'; with acks 0/1 and no explicit setting it is turned off). */
  idempotent?: boolean
  /** Wait this long for more records before sending a batch. Default 5 (Kafka 4's default). */
  lingerMs?: number
  /** Upper bound of a batch in bytes. Default 16 384. */
  batchSize?: number
  /** Bytes buffered and unacknowledged before send() waits. Default 32 MiB. */
  bufferMemory?: number
  /** How long send() may wait for buffer memory or metadata. Default 60 000. */
  maxBlockMs?: number
  /** Produce requests in flight per broker (at most 5 with idempotence). Default 5. */
  maxInFlight?: number
  maxRequestSize?: number
  /** Time from send() until a record is reported failed, retries included. Default 120 000. */
  deliveryTimeoutMs?: number
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  /** Replaces the default (murmur2 for keys, sticky for keyless). */
  partitioner?: Partitioner
  keySerializer?: Serializer<K>
  valueSerializer?: Serializer<V>
  /** Ask the broker to create missing topics on first use (if it allows). Default true. */
  allowAutoTopicCreation?: boolean
  /** Makes the producer transactional (needs idempotence): sends happen inside begin/commit. */
  transactionalId?: string
  /** Default 60 000. */
  transactionTimeoutMs?: number
}

/** The pump lets answers in after about this many bytes appended, when requests are in flight. */
const PUMP_YIELD_BYTES = 1024 * 1024

const defaultSerializer = (v: unknown): Bytes => {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v
  throw new ClientConfigError(`cannot send a ${typeof v} without a serializer (give a Buffer, a string or null, or set keySerializer/valueSerializer)`)
}

/**
 * The promise of a sendBatch() and the per-record callbacks that settle it. Made outside
 * sendBatch() so the callbacks, alive until the last record is acknowledged, do not keep the
 * caller's records (and their key/value buffers, already copied into batches) reachable.
 */
function batchWaiter(n: number): { promise: Promise<RecordMetadata[]>; one: Resolve; fail: Reject } {
  const out: RecordMetadata[] = new Array(n)
  let left = n
  let failed = false
  let resolve!: (m: RecordMetadata[]) => void
  let reject!: (e: Error) => void
  const promise = new Promise<RecordMetadata[]>((res, rej) => {
    resolve = res
    reject = rej
  })
  const one: Resolve = (m, tag) => {
    out[tag] = m
    if (--left === 0) resolve(out)
  }
  const fail: Reject = (e) => {
    if (!failed) reject(e)
    failed = true
  }
  return { promise, one, fail }
}

function toHeaders(h: ProducerRecord['headers']): AppendHeader[] | undefined {
  if (h === undefined) return undefined
  if (Array.isArray(h)) return h
  return Object.entries(h).map(([key, value]) => ({ key, value }))
}

export class Producer<K = Bytes, V = Bytes> {
  readonly cluster: Cluster
  private readonly acc: Accumulator
  private readonly sender: Sender
  private readonly partitioner: DefaultPartitioner
  private readonly custom: Partitioner | undefined
  private readonly keySer: Serializer<K>
  private readonly valueSer: Serializer<V>
  private readonly idempotent: boolean
  private readonly autoCreate: boolean
  private readonly maxBlockMs: number
  private identity: ProducerIdentity | null = null
  private readonly txn: TransactionManager | null
  private connecting: Promise<void> | null = null
  private closed = false
  /** True once connect() has finished (metadata, and the producer id with idempotence). */
  private connected = false
  /** Records waiting for the connection, metadata or buffer memory, in send order. */
  private readonly queued: QueuedRecords<ProducerRecord<K, V>>[] = []
  /** The send() group that queued send() records join (while the pump runs). */
  private openGroup: SendGroup<ProducerRecord<K, V>> | null = null
  private pumping = false
  private lastMetrics = { at: Date.now(), records: 0, bytes: 0 }

  constructor(options: ProducerOptions<K, V>) {
    const base = resolveClientOptions(options)
    this.cluster = new Cluster(base)
    const acks = options.acks === undefined || options.acks === 'all' ? -1 : options.acks
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new ClientConfigError(`acks must be 0, 1 or 'all', got ${String(options.acks)}`)
    if (options.idempotent === true && acks !== -1) throw new ClientConfigError("idempotence needs acks 'all'")
    if (options.transactionalId !== undefined && (acks !== -1 || options.idempotent === false)) throw new ClientConfigError("a transactional producer needs idempotence and acks 'all'")
    this.idempotent = options.idempotent ?? acks === -1
    const maxInFlight = nonNegative('maxInFlight', options.maxInFlight, 5)
    if (this.idempotent && maxInFlight > 5) throw new ClientConfigError('idempotence allows at most 5 requests in flight')
    if (maxInFlight < 1) throw new ClientConfigError('maxInFlight must be at least 1')
    this.maxBlockMs = nonNegative('maxBlockMs', options.maxBlockMs, 60_000)
    this.partitioner = new DefaultPartitioner()
    this.custom = options.partitioner
    this.keySer = options.keySerializer ?? (defaultSerializer as Serializer<K>)
    this.valueSer = options.valueSerializer ?? (defaultSerializer as Serializer<V>)
    this.autoCreate = options.allowAutoTopicCreation ?? true
    const batchSize = nonNegative('batchSize', options.batchSize, 16_384)
    this.acc = new Accumulator(
      // With acks=0 a batch completes when written to the socket, maybe before the kernel has it.
      { poolBuffers: acks !== 0, batchSize: Math.max(batchSize, 1), lingerMs: nonNegative('lingerMs', options.lingerMs, 5), bufferMemory: nonNegative('bufferMemory', options.bufferMemory, 32 * 1024 * 1024), maxBlockMs: this.maxBlockMs },
      () => this.sender.wake(),
      (topic, partition) => {
        const n = this.cluster.cachedTopic(topic)?.partitions.length ?? 1
        this.partitioner.batchClosed(topic, partition, n)
      },
      // A full batch goes out at once while requests may still be added (the rest wait for a
      // response or the next turn, as before).
      () => {
        if (this.sender.inFlightTotal < maxInFlight) this.sender.wake()
      },
    )
    this.sender = new Sender(this.cluster, this.acc, {
      acks, requestTimeoutMs: base.requestTimeoutMs, maxInFlight,
      maxRequestSize: nonNegative('maxRequestSize', options.maxRequestSize, 1024 * 1024),
      deliveryTimeoutMs: nonNegative('deliveryTimeoutMs', options.deliveryTimeoutMs, 120_000),
      retryBackoffMs: base.retryBackoffMs, retryBackoffMaxMs: base.retryBackoffMaxMs,
      compression: codecByName(options.compression ?? 'none').id,
    }, () => this.identity, options.transactionalId === undefined ? null : (topic, partition) => this.txnGate(topic, partition))
    this.txn = options.transactionalId === undefined ? null
      : new TransactionManager(this.cluster, options.transactionalId, nonNegative('transactionTimeoutMs', options.transactionTimeoutMs, 60_000), () => this.sender.wake())
  }

  /** Batches of a transactional producer wait until their partition is part of the transaction. */
  private txnGate(topic: string, partition: number): boolean {
    const txn = this.txn!
    if (txn.fatal !== null) {
      const err = txn.fatal
      this.sender.fatal = err
      queueMicrotask(() => this.sender.abortAll(err))
      return false
    }
    return txn.ready(topic, partition)
  }

  /** Connects to the cluster and, with idempotence, obtains a producer id. send() calls it lazily. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect().catch((err: unknown) => {
      this.connecting = null
      throw err
    })
    return this.connecting
  }

  private async doConnect(): Promise<void> {
    await this.cluster.refreshMetadata()
    if (!this.idempotent) {
      this.connected = true
      return
    }
    if (this.txn !== null) {
      this.identity = await this.txn.init()
      this.connected = true
      return
    }
    const res = await retry(async () => {
      const conn = await this.cluster.anyConnection()
      const r = await conn.request<InitProducerIdResponse>(ApiKey.InitProducerId, {
        transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, keepPreparedTxn: false,
      })
      if (r.errorCode !== 0) throw new KafkaError(r.errorCode, { api: 'InitProducerId' })
      return r
    }, this.cluster.retryOptions)
    this.identity = { producerId: Number(res.producerId), producerEpoch: res.producerEpoch, transactionalId: null }
    this.connected = true
  }

  /** Sends one record; resolves when it is acknowledged as `acks` asks. */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    const refused = this.refusal()
    if (refused !== null) return Promise.reject(refused)
    const topic = this.fastTopic(record.topic)
    if (topic === undefined) {
      const open = this.openGroup
      if (open !== null && open.open) return open.add(record)
      const g = new SendGroup<ProducerRecord<K, V>>()
      const p = g.add(record)
      this.enqueue(g)
      // Later send()s join it while the pump runs (if the pump already finished, nothing else joins).
      if (this.pumping) this.openGroup = g
      else g.close()
      return p
    }
    // Fast path: no closure or promise of its own per record; it derives from its batch's promise.
    let batch: ProducerBatch
    try {
      batch = this.append(record, topic.partitions.length, null, null, 0)
    } catch (e) {
      return Promise.reject(e as Error)
    }
    return batch.derive()
  }

  /** Sends records in order; resolves with their metadata in the same order. */
  sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([])
    const refused = this.refusal()
    if (refused !== null) return Promise.reject(refused)
    const w = batchWaiter(records.length)
    // One clock read for the call: its records are sent together (CreateTime unless given).
    const now = Date.now()
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      const topic = this.fastTopic(record.topic)
      if (topic === undefined) {
        // The rest waits, in order, behind the pump (one entry for all of them).
        this.enqueue({ records, next: i, resolve: w.one, reject: w.fail, open: false })
        break
      }
      try {
        this.append(record, topic.partitions.length, w.one, w.fail, i, now)
      } catch (e) {
        w.fail(e as Error, i)
      }
    }
    return w.promise
  }

  /** Why nothing can be sent now (closed, failed for good, outside a transaction), or null. */
  private refusal(): Error | null {
    if (this.closed) return new AbortedError('the producer is closed')
    const err = this.sender.fatal ?? this.txn?.fatal ?? null
    if (err !== null) return err
    if (this.txn !== null && !this.txn.inTransaction) {
      return new KafkaClientError('INVALID_TXN_STATE', 'a transactional producer sends inside beginTransaction() ... commitTransaction()', false)
    }
    return null
  }

  /** The topic's metadata when a record can be appended right now (connected, known topic, buffer space, nothing queued). */
  private fastTopic(name: string): TopicInfo | undefined {
    if (!this.connected || this.pumping || !this.acc.hasSpace) return undefined
    return this.cluster.cachedTopic(name)
  }

  /** Queues records behind one pump (a send() group, or the rest of a sendBatch()). */
  private enqueue(q: QueuedRecords<ProducerRecord<K, V>>): void {
    // Records queued later must not join an earlier group (order).
    if (this.openGroup !== null && this.openGroup !== q) {
      this.openGroup.close()
      this.openGroup = null
    }
    this.queued.push(q)
    if (!this.pumping) void this.pump()
  }

  /** Appends queued records in order, waiting only when something (connection, metadata, memory) is missing. */
  private async pump(): Promise<void> {
    this.pumping = true
    // An index, not shift(): shifting a 100,000-entry array per record is quadratic.
    let head = 0
    let yieldAt = this.acc.appendedBytes + PUMP_YIELD_BYTES
    try {
      while (head < this.queued.length) {
        if (this.acc.appendedBytes >= yieldAt) {
          yieldAt = this.acc.appendedBytes + PUMP_YIELD_BYTES
          // Answers to the requests in flight free their slots (and memory): let them in, so the
          // sender keeps the broker busy while a long queue is appended.
          if (this.sender.inFlightTotal > 0) await new Promise<void>((r) => setImmediate(r))
        }
        const q = this.queued[head]!
        const tag = q.next
        const record = q.records[tag]!
        let taken = false
        try {
          if (!this.connected) await this.withDeadline(this.connect(), 'connecting')
          const topic = this.cluster.cachedTopic(record.topic) ?? await this.withDeadline(this.cluster.topic(record.topic, this.autoCreate), `metadata of ${record.topic}`)
          while (!this.acc.hasSpace) await this.acc.waitForSpace()
          if (this.closed) throw new AbortedError('the producer is closed')
          taken = true
          if (++q.next >= q.records.length) head++
          this.append(record, topic.partitions.length, q.resolve, q.reject, tag)
        } catch (e) {
          if (!taken && ++q.next >= q.records.length) head++
          q.reject(e as Error, tag)
        }
      }
    } finally {
      this.queued.splice(0, head)
      this.pumping = false
      // Every queued record is appended: the open group takes no more (later sends take the fast path).
      this.openGroup?.close()
      this.openGroup = null
    }
  }

  private async withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KafkaClientError('TIMEOUT', `${what} took longer than max.block.ms (${this.maxBlockMs} ms)`, true)), this.maxBlockMs)
    })
    try {
      return await Promise.race([p, deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  private append(record: ProducerRecord<K, V>, partitions: number, resolve: Resolve | null, reject: Reject | null, tag: number, now?: number): ProducerBatch {
    const t = record.topic
    const key = record.key === undefined || record.key === null ? null : this.keySer(record.key, t)
    const value = record.value === null ? null : this.valueSer(record.value, t)
    let p = record.partition
    if (p === undefined) {
      if (this.custom === undefined && typeof key === 'string') p = stringKeyPartition(key, partitions)
      else {
        const keyBytes = key === null ? null : typeof key === 'string' ? Buffer.from(key, 'utf8') : key
        p = this.custom !== undefined ? this.custom({ topic: t, key: keyBytes, partitions }) : this.partitioner.partition(t, keyBytes, partitions)
      }
    }
    if (!Number.isInteger(p) || p < 0 || p >= partitions) throw new ClientConfigError(`partition ${p} is outside 0..${partitions - 1} of ${t}`)
    return this.acc.append(t, p, record.timestamp ?? now ?? Date.now(), key, value, toHeaders(record.headers), resolve, reject, tag)
  }

  /** Starts a transaction (transactionalId producers). Connects first if needed. */
  async beginTransaction(): Promise<void> {
    const txn = this.requireTxn()
    await this.connect()
    txn.begin()
  }

  /**
   * Adds partitions, and a consumer group's offsets, to the open transaction ahead of their first
   * records and sendOffsets(): their coordinator round trips (AddPartitionsToTxn, AddOffsetsToTxn)
   * then happen meanwhile, not on the send or commit path. Returns at once; a failure shows where
   * the partition is written or at sendOffsets()/commitTransaction(). samsa/streams adds what the
   * previous transaction wrote.
   */
  prepareTransaction(partitions: readonly TopicPartition[], groupId?: string): void {
    const txn = this.requireTxn()
    if (!txn.inTransaction || txn.fatal !== null) return
    txn.prepare(partitions)
    if (groupId !== undefined) txn.addGroup(groupId).catch(() => {})
  }

  /** The partitions of the open transaction so far (added, or being added). */
  transactionPartitions(): TopicPartition[] {
    return this.requireTxn().partitions()
  }

  /** Adds consumer offsets to the transaction: they commit or abort with its records. */
  async sendOffsets(group: GroupMetadata, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await this.requireTxn().sendOffsets(group, offsets)
  }

  /** Flushes the transaction's records, then commits; a failed record makes it throw (then abort). */
  async commitTransaction(): Promise<void> {
    const txn = this.requireTxn()
    const failed = await this.flushCollectingErrors()
    if (failed !== null) throw failed
    await txn.end(true)
  }

  /** Aborts: records sent in the transaction are never seen by read_committed consumers. */
  async abortTransaction(): Promise<void> {
    const txn = this.requireTxn()
    await this.flushCollectingErrors()
    await txn.end(false)
  }

  /** Runs `fn` in a transaction: commits when it resolves, aborts (and rethrows) when it throws. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.beginTransaction()
    let result: T
    try {
      result = await fn()
    } catch (err) {
      if (this.txn!.fatal === null) await this.abortTransaction()
      throw err
    }
    await this.commitTransaction()
    return result
  }

  private requireTxn(): TransactionManager {
    if (this.txn === null) throw new ClientConfigError('transactions need a transactionalId')
    return this.txn
  }

  private async flushCollectingErrors(): Promise<Error | null> {
    const before = this.sender.failures
    await this.flush()
    if (this.txn?.fatal) throw this.txn.fatal
    return this.sender.failures > before ? this.sender.lastFailure : null
  }

  /**
   * A snapshot: totals since the producer was created, rates since the previous call, and the
   * mean/max Produce round trip since the previous call.
   */
  /** This client's number on the diagnostics channels (samsa:client:*). */
  get diagnosticsId(): number {
    return this.cluster.options.diagnosticsId
  }

  metrics(): ProducerMetrics {
    const st = this.sender.stats
    const now = Date.now()
    const secs = Math.max(0.001, (now - this.lastMetrics.at) / 1000)
    const m: ProducerMetrics = {
      recordsSent: st.records, bytesSent: st.bytes, batchesSent: st.batches, requests: st.requests, retries: st.retries,
      recordErrors: st.recordErrors, bufferedBytes: this.acc.bufferedBytes,
      recordsPerSec: (st.records - this.lastMetrics.records) / secs, bytesPerSec: (st.bytes - this.lastMetrics.bytes) / secs,
      requestLatencyAvgMs: st.latencyCount === 0 ? 0 : st.latencyMsSum / st.latencyCount, requestLatencyMaxMs: st.latencyMsMax,
    }
    this.lastMetrics = { at: now, records: st.records, bytes: st.bytes }
    st.latencyMsSum = 0
    st.latencyCount = 0
    st.latencyMsMax = 0
    return m
  }

  /** Sends every batch now and resolves when all records sent so far are acknowledged or failed. */
  async flush(): Promise<void> {
    while (this.pumping) await new Promise((r) => setTimeout(r, 1))
    this.acc.closeAll()
    this.sender.wake()
    await this.acc.idle()
  }

  /** Flushes, then closes connections. Records sent after close() are rejected. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    this.acc.stop()
    this.sender.stop()
    await this.cluster.close()
  }
}
