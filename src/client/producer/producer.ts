// The producer: `send()` resolves to { topic, partition, offset, timestamp } once the broker has
// the record (acks), `flush()` waits for everything sent so far. Idempotence is on by default
// (InitProducerId, sequence numbers, up to 5 requests in flight, order kept across retries).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id.ts'
import { codecByName } from '../../protocol/records/compression/index.ts'
import type { AppendHeader } from '../../protocol/records/batch-appender.ts'
import { Cluster } from '../cluster.ts'
import { AbortedError, ClientConfigError, KafkaClientError, KafkaError } from '../errors.ts'
import { nonNegative, resolveClientOptions } from '../options.ts'
import type { ClientOptions } from '../options.ts'
import { retry } from '../retry.ts'
import { Accumulator } from './accumulator.ts'
import type { RecordMetadata, Resolve, Reject } from './batch.ts'
import { DefaultPartitioner } from './partitioner.ts'
import type { Partitioner } from './partitioner.ts'
import { Sender } from './sender.ts'
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
}

const defaultSerializer = (v: unknown): Bytes => {
  if (v === null || v === undefined) return null
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v
  throw new ClientConfigError(`cannot send a ${typeof v} without a serializer (give a Buffer, a string or null, or set keySerializer/valueSerializer)`)
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
  private connecting: Promise<void> | null = null
  private closed = false
  /** Sends waiting for buffer memory, in order: later sends queue behind them. */
  private blocked = 0

  constructor(options: ProducerOptions<K, V>) {
    const base = resolveClientOptions(options)
    this.cluster = new Cluster(base)
    const acks = options.acks === undefined || options.acks === 'all' ? -1 : options.acks
    if (acks !== 0 && acks !== 1 && acks !== -1) throw new ClientConfigError(`acks must be 0, 1 or 'all', got ${String(options.acks)}`)
    if (options.idempotent === true && acks !== -1) throw new ClientConfigError("idempotence needs acks 'all'")
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
      { batchSize: Math.max(batchSize, 1), lingerMs: nonNegative('lingerMs', options.lingerMs, 5), bufferMemory: nonNegative('bufferMemory', options.bufferMemory, 32 * 1024 * 1024), maxBlockMs: this.maxBlockMs },
      () => this.sender.wake(),
      (topic, partition) => {
        const n = this.cluster.cachedTopic(topic)?.partitions.length ?? 1
        this.partitioner.batchClosed(topic, partition, n)
      },
    )
    this.sender = new Sender(this.cluster, this.acc, {
      acks, requestTimeoutMs: base.requestTimeoutMs, maxInFlight,
      maxRequestSize: nonNegative('maxRequestSize', options.maxRequestSize, 1024 * 1024),
      deliveryTimeoutMs: nonNegative('deliveryTimeoutMs', options.deliveryTimeoutMs, 120_000),
      retryBackoffMs: base.retryBackoffMs, retryBackoffMaxMs: base.retryBackoffMaxMs,
      compression: codecByName(options.compression ?? 'none').id,
    }, () => this.identity)
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
    if (!this.idempotent) return
    const res = await retry(async () => {
      const conn = await this.cluster.anyConnection()
      const r = await conn.request<InitProducerIdResponse>(ApiKey.InitProducerId, {
        transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, keepPreparedTxn: false,
      })
      if (r.errorCode !== 0) throw new KafkaError(r.errorCode, { api: 'InitProducerId' })
      return r
    }, this.cluster.retryOptions)
    this.identity = { producerId: Number(res.producerId), producerEpoch: res.producerEpoch, transactionalId: null }
  }

  /** Sends one record; resolves when it is acknowledged as `acks` asks. */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => this.enqueue(record, resolve, reject, 0))
  }

  /** Sends records in order; resolves with their metadata in the same order. */
  sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([])
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const out: RecordMetadata[] = new Array(records.length)
      let left = records.length
      let failed = false
      const one: Resolve = (m, tag) => {
        out[tag] = m
        if (--left === 0) resolve(out)
      }
      const fail: Reject = (e) => {
        if (!failed) reject(e)
        failed = true
      }
      for (let i = 0; i < records.length; i++) this.enqueue(records[i]!, one, fail, i)
    })
  }

  private enqueue(record: ProducerRecord<K, V>, resolve: Resolve, reject: Reject, tag: number): void {
    if (this.closed) return reject(new AbortedError('the producer is closed'))
    const err = this.sender.fatal
    if (err !== null) return reject(err)
    const topic = this.cluster.cachedTopic(record.topic)
    if (topic !== undefined && this.connecting !== null && this.blocked === 0 && this.acc.hasSpace && this.readyFor()) {
      try {
        this.append(record, topic.partitions.length, resolve, reject, tag)
      } catch (e) {
        reject(e as Error)
      }
      return
    }
    this.blocked++
    void this.enqueueSlow(record, resolve, reject, tag).finally(() => this.blocked--)
  }

  private readyFor(): boolean {
    return !this.idempotent || this.identity !== null
  }

  private async enqueueSlow(record: ProducerRecord<K, V>, resolve: Resolve, reject: Reject, tag: number): Promise<void> {
    try {
      await this.withDeadline(this.connect(), 'connecting')
      const topic = await this.withDeadline(this.cluster.topic(record.topic, this.autoCreate), `metadata of ${record.topic}`)
      while (!this.acc.hasSpace) await this.acc.waitForSpace()
      if (this.closed) throw new AbortedError('the producer is closed')
      this.append(record, topic.partitions.length, resolve, reject, tag)
    } catch (e) {
      reject(e as Error)
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

  private append(record: ProducerRecord<K, V>, partitions: number, resolve: Resolve, reject: Reject, tag: number): void {
    const t = record.topic
    const key = record.key === undefined || record.key === null ? null : this.keySer(record.key, t)
    const value = record.value === null ? null : this.valueSer(record.value, t)
    let p = record.partition
    if (p === undefined) {
      const keyBytes = key === null ? null : typeof key === 'string' ? Buffer.from(key, 'utf8') : key
      p = this.custom !== undefined ? this.custom({ topic: t, key: keyBytes, partitions }) : this.partitioner.partition(t, keyBytes, partitions)
    }
    if (!Number.isInteger(p) || p < 0 || p >= partitions) throw new ClientConfigError(`partition ${p} is outside 0..${partitions - 1} of ${t}`)
    this.acc.append(t, p, record.timestamp ?? Date.now(), key, value, toHeaders(record.headers), resolve, reject, tag)
  }

  /** Sends every batch now and resolves when all records sent so far are acknowledged or failed. */
  async flush(): Promise<void> {
    while (this.blocked > 0) await new Promise((r) => setImmediate(r))
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
