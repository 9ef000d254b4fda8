// `kafka.producer()`: KafkaJS's producer on samsa/client's Producer. send() and sendBatch() take
// KafkaJS messages (string/Buffer keys and values, header objects, string timestamps) and resolve
// to one RecordMetadata per partition written. acks and compression are per send in KafkaJS and
// per producer in samsa/client, so a samsa Producer is made per (acks, compression) in use.
// transaction() begins a transaction on the transactional producer and returns the Transaction.
import { Producer } from '../producer/producer.ts'
import type { ProducerOptions, ProducerRecord as SamsaRecord, RecordMetadata as SamsaMetadata } from '../producer/producer.ts'
import type { AppendHeader } from '../../protocol/records/batch-appender.ts'
import { KafkaJSNonRetriableError, kafkaJsErrors } from './errors.ts'
import { requestPayload, requests } from './channel-events.ts'
import { Instrumentation, PRODUCER_EVENTS } from './events.ts'
import type { InstrumentationEvent, RemoveInstrumentationEventListener } from './events.ts'
import type { ClientOptionsFactory } from './kafka.ts'
import type { Logger } from './logger.ts'
import type { IHeaders, Message, Offsets, ProducerBatch, ProducerConfig, ProducerRecord, RecordMetadata, TopicMessages } from './types.ts'
import { partitionMetadata } from './partitioners.ts'
import type { ICustomPartitioner } from './partitioners.ts'

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

export function toHeaders(h: IHeaders | undefined): AppendHeader[] | undefined {
  if (h === undefined) return undefined
  const out: AppendHeader[] = []
  for (const [key, v] of Object.entries(h)) {
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) out.push({ key, value: one })
  }
  return out
}

function toRecord(topic: string, m: Message): SamsaRecord {
  if (m === null || typeof m !== 'object') throw new KafkaJSNonRetriableError(`Invalid message for topic ${topic}: ${String(m)}`)
  const ts = m.timestamp === undefined ? undefined : Number(m.timestamp)
  return {
    topic, key: m.key ?? null, value: m.value ?? null, partition: m.partition, headers: toHeaders(m.headers),
    timestamp: ts === undefined || Number.isNaN(ts) ? undefined : ts,
  }
}

/** One entry per topic-partition written, with the first offset as KafkaJS's baseOffset. */
function summarize(results: SamsaMetadata[]): RecordMetadata[] {
  const byTp = new Map<string, RecordMetadata & { first: number }>()
  for (const r of results) {
    const k = `${r.topic}\u0000${r.partition}`
    const e = byTp.get(k)
    if (e === undefined) {
      byTp.set(k, { topicName: r.topic, partition: r.partition, errorCode: 0, first: r.offset, baseOffset: String(r.offset), logAppendTime: '-1', logStartOffset: '-1' })
    } else if (r.offset < e.first) {
      e.first = r.offset
      e.baseOffset = String(r.offset)
    }
  }
  return [...byTp.values()].map(({ first: _first, ...m }) => m)
}

export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
  isActive(): boolean
}

export class KafkaJsProducer {
  readonly events = PRODUCER_EVENTS
  private readonly requestEvents = requests((m) => this.instrumentation.emit(PRODUCER_EVENTS.REQUEST, requestPayload(m)))
  private readonly instrumentation = new Instrumentation(Object.values(PRODUCER_EVENTS), (name) => {
    if (name === PRODUCER_EVENTS.REQUEST) this.requestEvents.start()
  })
  private readonly producers = new Map<string, Producer>()
  private base: Awaited<ReturnType<ClientOptionsFactory>> | null = null
  private connecting: Promise<void> | null = null
  private activeTxn = false
  private readonly idempotent: boolean
  private readonly partitioner: ReturnType<ICustomPartitioner> | null

  constructor(
    private readonly options: ClientOptionsFactory,
    private readonly config: ProducerConfig,
    private readonly log: Logger,
  ) {
    this.idempotent = config.idempotent === true || config.transactionalId !== undefined
    this.partitioner = config.createPartitioner?.() ?? null
  }

  connect(): Promise<void> {
    this.connecting ??= kafkaJsErrors(async () => {
      this.base = await this.options(this.config.retry)
      await this.producerFor(-1, 0).connect()
      this.instrumentation.emit(PRODUCER_EVENTS.CONNECT, null)
    }).catch((err: unknown) => {
      this.connecting = null
      throw err
    })
    return this.connecting
  }

  /** The samsa producer for these acks and this codec; the transactional one is always (-1, none). */
  private producerFor(acks: number, compression: number): Producer {
    if (this.base === null) throw new KafkaJSNonRetriableError('The producer is disconnected')
    const transactional = this.config.transactionalId !== undefined
    const a = acks === 0 || acks === 1 ? acks : -1
    const key = transactional ? 'txn' : `${a}/${compression}`
    let p = this.producers.get(key)
    if (p === undefined) {
      const codec = CODECS[compression]
      if (codec === undefined) throw new KafkaJSNonRetriableError(`Compression type ${compression} is not supported`)
      const idem = this.idempotent && a === -1
      const o: ProducerOptions = {
        ...this.base, acks: a, idempotent: idem, compression: codec, lingerMs: 0,
        maxInFlight: Math.max(1, Math.min(this.config.maxInFlightRequests ?? 5, 5)),
        allowAutoTopicCreation: this.config.allowAutoTopicCreation ?? true,
        metadataMaxAgeMs: this.config.metadataMaxAge,
        transactionalId: transactional ? this.config.transactionalId : undefined,
        transactionTimeoutMs: this.config.transactionTimeout,
      }
      p = new Producer(o)
      this.requestEvents.ids.add(p.diagnosticsId)
      this.producers.set(key, p)
    }
    return p
  }

  private async sendRecords(records: SamsaRecord[], acks: number | undefined, compression: number | undefined, inTxn: boolean): Promise<RecordMetadata[]> {
    if (this.config.transactionalId !== undefined && !inTxn && !this.activeTxn) {
      throw new KafkaJSNonRetriableError('Transactional producers must use transactions: call producer.transaction() first')
    }
    const p = this.producerFor(acks ?? -1, compression ?? 0)
    const results = await p.sendBatch(records)
    if ((acks ?? -1) === 0) return []
    return summarize(results)
  }

  /** The messages as samsa records; a createPartitioner partitioner names every message's partition. */
  private async toRecords(list: readonly TopicMessages[], acks: number | undefined, compression: number | undefined): Promise<SamsaRecord[]> {
    const partitioner = this.partitioner
    if (partitioner === null) return list.flatMap((tm) => tm.messages.map((m) => toRecord(tm.topic, m)))
    const out: SamsaRecord[] = []
    for (const { topic, messages } of list) {
      const info = await this.producerFor(acks ?? -1, compression ?? 0).cluster.topic(topic, this.config.allowAutoTopicCreation ?? true)
      const meta = partitionMetadata(info)
      for (const message of messages) out.push({ ...toRecord(topic, message), partition: partitioner({ topic, partitionMetadata: meta, message }) })
    }
    return out
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return kafkaJsErrors(async () => {
      if (record === null || typeof record !== 'object' || typeof record.topic !== 'string') throw new KafkaJSNonRetriableError('Invalid topic')
      if (!Array.isArray(record.messages)) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(record.messages)}] for topic "${record.topic}"`)
      return this.sendRecords(await this.toRecords([record], record.acks, record.compression), record.acks, record.compression, false)
    })
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return kafkaJsErrors(async () => {
      return this.sendRecords(await this.toRecords(batch.topicMessages ?? [], batch.acks, batch.compression), batch.acks, batch.compression, false)
    })
  }

  /** Begins a transaction (transactionalId producers); the returned Transaction sends inside it. */
  transaction(): Promise<Transaction> {
    return kafkaJsErrors(async () => {
      if (this.config.transactionalId === undefined) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
      if (this.activeTxn) throw new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.')
      const p = this.producerFor(-1, 0)
      await p.beginTransaction()
      this.activeTxn = true
      let active = true
      const ensure = () => {
        if (!active) throw new KafkaJSNonRetriableError('Transaction is not active')
      }
      const end = async (commit: boolean) => {
        ensure()
        try {
          if (commit) await p.commitTransaction()
          else await p.abortTransaction()
        } finally {
          active = false
          this.activeTxn = false
        }
      }
      return {
        send: (record) => kafkaJsErrors(async () => {
          ensure()
          return this.sendRecords(await this.toRecords([record], -1, 0), -1, 0, true)
        }),
        sendBatch: (batch) => kafkaJsErrors(async () => {
          ensure()
          return this.sendRecords(await this.toRecords(batch.topicMessages ?? [], -1, 0), -1, 0, true)
        }),
        sendOffsets: ({ consumerGroupId, topics }) => kafkaJsErrors(async () => {
          ensure()
          const offsets = topics.flatMap((t) => t.partitions.map((pp) => ({ topic: t.topic, partition: pp.partition, offset: Number(pp.offset) })))
          await p.sendOffsets({ groupId: consumerGroupId }, offsets)
        }),
        commit: () => kafkaJsErrors(() => end(true)),
        abort: () => kafkaJsErrors(() => end(false)),
        isActive: () => active,
      }
    })
  }

  isIdempotent(): boolean {
    return this.idempotent
  }

  on(eventName: (typeof PRODUCER_EVENTS)[keyof typeof PRODUCER_EVENTS], listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener {
    return this.instrumentation.on(eventName, listener)
  }

  logger(): Logger {
    return this.log
  }

  /** Flushes and closes every underlying producer. */
  disconnect(): Promise<void> {
    return kafkaJsErrors(async () => {
      await this.connecting?.catch(() => {})
      const all = [...this.producers.values()]
      this.producers.clear()
      this.connecting = null
      this.base = null
      await Promise.all(all.map((p) => p.close()))
      for (const p of all) this.requestEvents.ids.delete(p.diagnosticsId)
      this.instrumentation.emit(PRODUCER_EVENTS.DISCONNECT, null)
    })
  }
}
