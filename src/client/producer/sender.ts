// Sends closed batches: grouped by partition leader into one Produce request per broker (at most
// one batch per partition per request, up to max.request.size), at most max.in.flight requests
// per connection. Responses complete batches; retriable failures put a batch back in its queue
// in sequence order and block the partition until everything it had in flight has returned, so
// a retry can never overtake or be overtaken (ordering kept with idempotence and 5 in flight).
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { batchChannel } from '../diagnostics.ts'
import type { BatchMessage } from '../diagnostics.ts'
import type { ProduceResponse, ProduceResponsePartitionProduceResponse } from '../../protocol/generated/messages/produce.ts'
import type { Cluster } from '../cluster.ts'
import type { Connection } from '../net/connection.ts'
import { KafkaClientError, KafkaError, isRetriable } from '../errors.ts'
import { backoffDelay } from '../retry.ts'
import type { Accumulator, PartitionQueue } from './accumulator.ts'
import type { ProducerBatch } from './batch.ts'

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45
const DUPLICATE_SEQUENCE_NUMBER = 46

/** Errors after which the cached leader is stale. */
const METADATA_ERRORS = new Set([3, 5, 6, 74, 75, 100, 103])

/**
 * The response for one partition. Brokers answer in request order, so the scan starts after the
 * previous match (`at`: topic, partition index): in-order answers cost one step per batch.
 */
function partitionResult(res: ProduceResponse, topic: string, partition: number, at: number[]): ProduceResponsePartitionProduceResponse | undefined {
  const topics = res.responses
  for (let n = 0, ti = at[0]!; n < topics.length; n++, ti = (ti + 1) % topics.length) {
    const t = topics[ti]!
    if (t.name !== topic) continue
    const parts = t.partitionResponses
    // Each partition once, starting after the previous match when this is its topic.
    for (let m = 0, pi = ti === at[0] && at[1]! < parts.length ? at[1]! : 0; m < parts.length; m++, pi = (pi + 1) % parts.length) {
      if (parts[pi]!.index !== partition) continue
      at[0] = ti
      at[1] = pi + 1
      return parts[pi]
    }
  }
  return undefined
}

export interface SenderOptions {
  acks: number
  requestTimeoutMs: number
  maxInFlight: number
  maxRequestSize: number
  deliveryTimeoutMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  compression: number
}

export interface ProducerIdentity {
  producerId: number
  producerEpoch: number
  transactionalId: string | null
}

export class Sender {
  private running = false
  private again = false
  private refreshing = false
  private retryTimer: NodeJS.Timeout | null = null
  private retryDue = 0
  /** In-flight Produce requests per connection. */
  private readonly inFlight = new Map<Connection, number>()
  /** In-flight Produce requests on all connections. */
  inFlightTotal = 0
  /** Set when a fatal error must fail everything later sent (e.g. producer fenced). */
  fatal: Error | null = null
  /** Batches failed so far, and the last error (a transaction must not commit after one). */
  failures = 0
  lastFailure: Error | null = null
  /** Counters for metrics(). */
  readonly stats = { records: 0, bytes: 0, batches: 0, requests: 0, retries: 0, recordErrors: 0, latencyMsSum: 0, latencyCount: 0, latencyMsMax: 0 }

  constructor(
    private readonly cluster: Cluster,
    private readonly acc: Accumulator,
    private readonly o: SenderOptions,
    /** Producer id/epoch for idempotence (null: not idempotent). */
    private readonly identity: () => ProducerIdentity | null,
    /** Transactions: false while a partition is not yet part of the transaction (it is being added). */
    private readonly gate: ((topic: string, partition: number) => boolean) | null = null,
  ) {}

  /** Sends what can be sent now; re-entrant calls fold into one more pass. */
  wake(): void {
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    try {
      do {
        this.again = false
        this.drain()
      } while (this.again)
    } finally {
      this.running = false
    }
  }

  private drain(): void {
    const now = Date.now()
    // Runs on every wake-up (often with nothing ready): one leader, the usual case, needs no Map.
    let firstLeader = -1
    let first: PartitionQueue[] | null = null
    let others: Map<number, PartitionQueue[]> | null = null
    let needMetadata: Set<string> | null = null
    for (const q of this.acc.active) {
      if (q.ready.length === 0) {
        if (q.open === null && q.inFlight === 0) this.acc.active.delete(q)
        continue
      }
      if (this.expire(q, now)) continue
      if (q.retrying && q.inFlight > 0) continue
      if (q.retrying && now < q.retryAt) {
        // Backing off: come back when it ends (an earlier timer may have woken us).
        this.scheduleRetry(q.retryAt - now)
        continue
      }
      if (this.gate !== null && !this.gate(q.topic, q.partition)) continue
      const leader = this.cluster.cachedTopic(q.topic)?.partitions[q.partition]?.leader ?? -1
      if (leader < 0) {
        ;(needMetadata ??= new Set()).add(q.topic)
        continue
      }
      if (first === null || leader === firstLeader) {
        firstLeader = leader
        ;(first ??= []).push(q)
        continue
      }
      others ??= new Map()
      let list = others.get(leader)
      if (list === undefined) others.set(leader, (list = []))
      list.push(q)
    }
    if (needMetadata !== null) this.refreshMetadata([...needMetadata])
    if (first !== null) this.sendTo(firstLeader, first)
    if (others !== null) for (const [leader, queues] of others) this.sendTo(leader, queues)
  }

  /** Fails batches past delivery.timeout.ms; true when the queue is now empty. */
  private expire(q: PartitionQueue, now: number): boolean {
    while (q.ready.length > 0 && q.inFlight === 0 && now - q.ready[0]!.createdAt > this.o.deliveryTimeoutMs) {
      const b = q.ready.shift()!
      const last = b.lastError === null ? (b.attempts === 0 ? 'never sent' : 'none') : b.lastError.message
      this.failBatch(b, new KafkaClientError('DELIVERY_TIMEOUT', `${b.topic}-${b.partition}: ${b.count} record(s) not acknowledged within delivery.timeout.ms (${this.o.deliveryTimeoutMs} ms) after ${b.attempts} attempt(s); last error: ${last}`, false, { cause: b.lastError ?? undefined }))
    }
    return q.ready.length === 0
  }

  /** Refreshes metadata, naming the topics whose leaders are unknown (a refresh of the cache alone may not include them). */
  private refreshMetadata(topics: string[] = []): void {
    if (this.refreshing) return
    this.refreshing = true
    this.cluster.refreshMetadata(topics).then(
      () => {
        this.refreshing = false
        // Leaders still unknown (e.g. an election): try again after the backoff, not in a hot loop.
        if (topics.some((t) => this.cluster.cachedTopic(t) === undefined)) this.scheduleRetry(this.o.retryBackoffMs)
        else this.wake()
      },
      () => {
        this.refreshing = false
        this.scheduleRetry(this.o.retryBackoffMs)
      },
    )
  }

  /** Wakes the sender in `ms`; an already scheduled earlier wake-up covers it. */
  private scheduleRetry(ms: number): void {
    const due = Date.now() + ms
    if (this.retryTimer !== null) {
      if (this.retryDue <= due) return
      clearTimeout(this.retryTimer)
    }
    this.retryDue = due
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.wake()
    }, ms)
  }

  private sendTo(leader: number, queues: PartitionQueue[]): void {
    const open = this.cluster.openNodeConnection(leader)
    if (open !== undefined) return this.fill(open, queues)
    const b = this.cluster.brokers.get(leader)
    if (b === undefined) return this.refreshMetadata()
    const connecting = this.cluster.connection(b.host, b.port)
    void connecting.then(
      (conn) => this.fill(conn, queues),
      () => {
        for (const q of queues) this.cluster.invalidate(q.topic)
        this.scheduleRetry(this.o.retryBackoffMs)
      },
    )
  }

  private fill(conn: Connection, queues: PartitionQueue[]): void {
    while (true) {
      if (conn.closed) {
        // Closed between lookup and use: come back on a fresh connection (nothing else would wake us).
        this.scheduleRetry(this.o.retryBackoffMs)
        return
      }
      const inFlight = this.inFlight.get(conn) ?? 0
      if (inFlight >= this.o.maxInFlight) return
      const batches: ProducerBatch[] = []
      let size = 0
      for (const q of queues) {
        const head = q.ready[0]
        if (head === undefined) continue
        if (q.retrying && q.inFlight > 0) continue
        const bytes = head.size
        if (batches.length > 0 && size + bytes > this.o.maxRequestSize) continue
        q.ready.shift()
        this.encode(q, head)
        batches.push(head)
        size += bytes
        q.inFlight++
      }
      if (batches.length === 0) return
      this.produce(conn, queues, batches)
    }
  }

  private encode(q: PartitionQueue, b: ProducerBatch): void {
    if (b.encoded !== null) return
    const id = this.identity()
    if (id === null) {
      b.encode({ compression: this.o.compression })
      return
    }
    b.encode({
      compression: this.o.compression, producerId: id.producerId, producerEpoch: id.producerEpoch,
      baseSequence: q.nextSequence, transactional: id.transactionalId !== null,
    })
    q.nextSequence = (q.nextSequence + b.count) | 0
    if (q.nextSequence < 0) q.nextSequence = 0 // sequences wrap at int32 max to 0
  }

  private produce(conn: Connection, queues: PartitionQueue[], batches: ProducerBatch[]): void {
    type TopicData = { name: string; topicId: string; partitionData: { index: number; records: Buffer }[] }
    const topicData: TopicData[] = []
    // A request names a few topics: found by a scan, with a Map only past 8 of them.
    let byName: Map<string, TopicData> | null = null
    for (const b of batches) {
      b.attempts++
      let t = byName?.get(b.topic)
      for (let i = topicData.length - 1; byName === null && t === undefined && i >= 0; i--) if (topicData[i]!.name === b.topic) t = topicData[i]
      if (t === undefined) {
        topicData.push((t = { name: b.topic, topicId: ZERO_UUID, partitionData: [] }))
        if (byName !== null) byName.set(b.topic, t)
        else if (topicData.length > 8) byName = new Map(topicData.map((x) => [x.name, x]))
      }
      t.partitionData.push({ index: b.partition, records: b.encoded! })
    }
    const id = this.identity()
    const body = { transactionalId: id?.transactionalId ?? null, acks: this.o.acks, timeoutMs: this.o.requestTimeoutMs, topicData }
    const acks0 = this.o.acks === 0
    this.inFlight.set(conn, (this.inFlight.get(conn) ?? 0) + 1)
    this.inFlightTotal++
    this.stats.requests++
    const sentAt = Date.now()
    conn.request<ProduceResponse | null>(ApiKey.Produce, body, { noResponse: acks0 }).then(
      (res) => {
        const ms = Date.now() - sentAt
        this.stats.latencyMsSum += ms
        this.stats.latencyCount++
        if (ms > this.stats.latencyMsMax) this.stats.latencyMsMax = ms
        this.onResponse(conn, queues, batches, res)
      },
      (err: Error) => this.onError(conn, batches, err),
    )
  }

  private queueOf(b: ProducerBatch): PartitionQueue {
    return this.acc.queue(b.topic, b.partition)
  }

  private onResponse(conn: Connection, _queues: PartitionQueue[], batches: ProducerBatch[], res: ProduceResponse | null): void {
    if (this.inFlight.has(conn)) this.inFlight.set(conn, this.inFlight.get(conn)! - 1)
    this.inFlightTotal--
    if (res === null) {
      for (const b of batches) {
        this.queueOf(b).inFlight--
        this.completeBatch(b, -1, -1)
      }
      return this.wake()
    }
    const at = [0, 0]
    for (const b of batches) {
      const q = this.queueOf(b)
      q.inFlight--
      const r = partitionResult(res, b.topic, b.partition, at)
      if (r === undefined) {
        this.retryOrFail(q, b, new KafkaClientError('MISSING_RESPONSE', `${b.topic}-${b.partition}: the Produce response left this partition out`, true))
        continue
      }
      if (r.errorCode === 0 || r.errorCode === DUPLICATE_SEQUENCE_NUMBER) {
        this.completeBatch(b, Number(r.baseOffset), Number(r.logAppendTimeMs))
        if (q.retrying && q.inFlight === 0 && !q.ready.some((x) => x.attempts > 0)) q.retrying = false
        continue
      }
      const err = new KafkaError(r.errorCode, { topic: b.topic, partition: b.partition, message: r.errorMessage, api: 'Produce' })
      if (METADATA_ERRORS.has(r.errorCode)) this.cluster.invalidate(b.topic)
      // An out-of-order sequence behind a batch being retried is that retry's echo, not a loss.
      if (r.errorCode === OUT_OF_ORDER_SEQUENCE_NUMBER && q.retrying) this.requeue(q, b, err)
      else this.retryOrFail(q, b, err)
    }
    this.wake()
  }

  private onError(conn: Connection, batches: ProducerBatch[], err: Error): void {
    if (conn.closed) this.inFlight.delete(conn)
    else this.inFlight.set(conn, (this.inFlight.get(conn) ?? 1) - 1)
    this.inFlightTotal--
    for (const b of batches) {
      const q = this.queueOf(b)
      q.inFlight--
      this.cluster.invalidate(b.topic)
      this.retryOrFail(q, b, err)
    }
    this.wake()
  }

  private retryOrFail(q: PartitionQueue, b: ProducerBatch, err: Error): void {
    if (this.fatal === null && isRetriable(err) && Date.now() - b.createdAt < this.o.deliveryTimeoutMs) this.requeue(q, b, err)
    else this.failBatch(b, err)
  }

  private requeue(q: PartitionQueue, b: ProducerBatch, err: Error): void {
    this.stats.retries++
    b.lastError = err
    q.requeue(b)
    q.retrying = true
    const delay = backoffDelay(b.attempts - 1, this.o.retryBackoffMs, this.o.retryBackoffMaxMs)
    q.retryAt = Date.now() + delay
    this.acc.active.add(q)
    this.scheduleRetry(delay)
  }

  private completeBatch(b: ProducerBatch, baseOffset: number, logAppendTime: number): void {
    this.stats.records += b.count
    this.stats.bytes += b.size
    this.stats.batches++
    this.acc.release(b)
    if (batchChannel.hasSubscribers) this.publish(b, baseOffset)
    b.complete(baseOffset, logAppendTime)
  }

  private publish(b: ProducerBatch, baseOffset: number, error?: Error): void {
    const o = this.cluster.options
    const m: BatchMessage = {
      client: o.diagnosticsId, clientId: o.clientId, topic: b.topic, partition: b.partition, records: b.count, bytes: b.size,
      baseOffset, durationMs: Date.now() - b.createdAt, error,
    }
    batchChannel.publish(m)
  }

  private failBatch(b: ProducerBatch, err: Error): void {
    this.stats.recordErrors += b.count
    this.failures++
    this.lastFailure = err
    this.acc.release(b)
    if (batchChannel.hasSubscribers) this.publish(b, -1, err)
    b.fail(err)
  }

  /** Fails every batch still queued (close without flush, or a fatal error). */
  abortAll(err: Error): void {
    this.acc.closeAll()
    for (const q of this.acc.active) for (const b of q.ready.splice(0)) this.failBatch(b, err)
  }

  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }
}
