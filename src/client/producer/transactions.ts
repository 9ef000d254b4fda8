// Transactions for a producer with a transactional.id: InitProducerId through the transaction
// coordinator (fencing older instances), AddPartitionsToTxn before a partition's first batch in
// a transaction (one request at a time carrying every partition that waits, as Java's client;
// or ahead of the records: `prepare`), AddOffsetsToTxn + TxnOffsetCommit for
// consume-transform-produce, EndTxn to commit or abort. Fencing (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH) is fatal: the producer must be
// closed, since a newer instance with the same transactional.id now owns it.
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id.ts'
import type { AddPartitionsToTxnResponse } from '../../protocol/generated/messages/add-partitions-to-txn.ts'
import type { AddOffsetsToTxnResponse } from '../../protocol/generated/messages/add-offsets-to-txn.ts'
import type { EndTxnResponse } from '../../protocol/generated/messages/end-txn.ts'
import type { TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit.ts'
import type { Cluster } from '../cluster.ts'
import { KafkaClientError, KafkaError } from '../errors.ts'
import { retry } from '../retry.ts'
import type { TopicPartitionOffset } from '../offsets.ts'
import type { ProducerIdentity } from './sender.ts'

/** Errors after which this producer instance can never continue. */
const FATAL = new Set([47, 90, 53, 49]) // INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, INVALID_PRODUCER_ID_MAPPING
const COORDINATOR_ERRORS = new Set([14, 15, 16])
const CONCURRENT_TRANSACTIONS = 51

/**
 * Sends a coordinator request again, after a short pause, while it answers CONCURRENT_TRANSACTIONS:
 * right after EndTxn the coordinator is still writing the previous transaction's markers (ms), and
 * the next transaction's first AddPartitionsToTxn / AddOffsetsToTxn would otherwise wait a whole
 * retry backoff (100 ms) — Java's client likewise retries these after 20 ms.
 */
async function whileConcurrent<T>(send: () => Promise<T>, code: (res: T) => number): Promise<T> {
  for (let i = 0; ; i++) {
    const res = await send()
    if (code(res) !== CONCURRENT_TRANSACTIONS || i >= 40) return res
    await new Promise((r) => setTimeout(r, Math.min(2 ** i, 20)))
  }
}

/** The consumer's group identity, for offsets committed inside a transaction. */
export interface GroupMetadata {
  groupId: string
  generationId?: number
  memberId?: string
  groupInstanceId?: string | null
}

export class TransactionManager {
  identity: ProducerIdentity | null = null
  state: 'ready' | 'in-transaction' | 'committing' | 'aborting' | 'fatal' = 'ready'
  fatal: Error | null = null
  /** Partitions added to the current transaction (true) or being added (their request's promise). */
  private readonly added = new Map<string, Promise<void> | true>()
  /** Partitions waiting for the next AddPartitionsToTxn, and the promise that request settles. */
  private waiting: { topic: string; partition: number }[] = []
  private nextAdd: { promise: Promise<void>; settle: (err: Error | null) => void } | null = null
  /**
   * The coordinator requests of this transaction (AddPartitionsToTxn, AddOffsetsToTxn), one at a
   * time as Java's client sends them: sent together, the coordinator answers all but one with
   * CONCURRENT_TRANSACTIONS and the others wait a backoff.
   */
  private coordinatorQueue: Promise<unknown> = Promise.resolve()
  /** Groups whose offsets partition is in the current transaction (AddOffsetsToTxn done or under way). */
  private readonly groups = new Map<string, Promise<void>>()
  /** The coordinator knows of the current transaction (a partition or offsets were added). */
  private started = false

  constructor(
    private readonly cluster: Cluster,
    readonly transactionalId: string,
    private readonly transactionTimeoutMs: number,
    /** Wakes the sender when a partition has been added. */
    private readonly wake: () => void,
  ) {}

  private async coordinatorRequest<T extends { errorCode: number }>(apiKey: number, body: unknown, api: string): Promise<T> {
    return retry(async () => {
      const conn = await this.cluster.coordinator(this.transactionalId, 1)
      const res = await whileConcurrent(() => conn.request<T>(apiKey, body), (r) => r.errorCode)
      this.checkCode(res.errorCode, api)
      return res
    }, { ...this.cluster.retryOptions, retries: Math.max(this.cluster.retryOptions.retries, 10) })
  }

  private checkCode(code: number, api: string): void {
    if (code === 0) return
    if (COORDINATOR_ERRORS.has(code)) this.cluster.forgetCoordinator(this.transactionalId, 1)
    const err = new KafkaError(code, { api, message: code === 90 || code === 47 ? `transactional id '${this.transactionalId}' is owned by a newer producer (fenced); close this one` : undefined })
    if (FATAL.has(code)) this.fail(err)
    throw err
  }

  fail(err: Error): void {
    this.state = 'fatal'
    this.fatal ??= err
  }

  private assertUsable(): void {
    if (this.fatal !== null) throw this.fatal
  }

  /** InitProducerId: gets the id and a bumped epoch, fencing any older instance, and aborting its open transaction. */
  async init(): Promise<ProducerIdentity> {
    const res = await this.coordinatorRequest<InitProducerIdResponse>(ApiKey.InitProducerId, {
      transactionalId: this.transactionalId, transactionTimeoutMs: this.transactionTimeoutMs, producerId: -1n, producerEpoch: -1, keepPreparedTxn: false,
    }, 'InitProducerId')
    this.identity = { producerId: Number(res.producerId), producerEpoch: res.producerEpoch, transactionalId: this.transactionalId }
    return this.identity
  }

  begin(): void {
    this.assertUsable()
    if (this.state !== 'ready') throw new KafkaClientError('INVALID_TXN_STATE', `cannot begin a transaction while ${this.state}`, false)
    this.state = 'in-transaction'
    this.added.clear()
    this.groups.clear()
    this.started = false
  }

  /** Runs a coordinator request of this transaction after the ones before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.coordinatorQueue.then(fn)
    this.coordinatorQueue = p.catch(() => {})
    return p
  }

  /** The partitions of the current transaction (added or being added). */
  partitions(): { topic: string; partition: number }[] {
    return [...this.added.keys()].map((k) => {
      const i = k.lastIndexOf('\u0000')
      return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) }
    })
  }

  get inTransaction(): boolean {
    return this.state === 'in-transaction'
  }

  /**
   * True when the partition may be written in the current transaction; otherwise starts adding
   * it (the sender is woken when done) and returns false.
   */
  ready(topic: string, partition: number): boolean {
    const key = `${topic}\u0000${partition}`
    const a = this.added.get(key)
    if (a === true) return true
    if (a === undefined) this.queueAdd(key, topic, partition)
    return false
  }

  /**
   * Adds partitions to the transaction before their first records (the round trip is then off
   * the send path); partitions already in it are skipped.
   */
  prepare(partitions: readonly { topic: string; partition: number }[]): void {
    if (this.state !== 'in-transaction') return
    for (const { topic, partition } of partitions) {
      const key = `${topic}\u0000${partition}`
      if (!this.added.has(key)) this.queueAdd(key, topic, partition)
    }
  }

  /**
   * Partitions asked for while a request is in flight wait for the next one, which carries all of
   * them (one AddPartitionsToTxn per batch of partitions, as Java's client sends).
   */
  private queueAdd(key: string, topic: string, partition: number): void {
    this.started = true
    if (this.nextAdd === null) {
      let settle!: (err: Error | null) => void
      const promise = new Promise<void>((resolve, reject) => { settle = (err) => err === null ? resolve() : reject(err) })
      promise.catch(() => {})
      this.nextAdd = { promise, settle }
      const batch = this.nextAdd
      void this.serial(async () => {
        this.nextAdd = null
        const tps = this.waiting
        this.waiting = []
        try {
          await this.addPartitions(tps)
          for (const tp of tps) this.added.set(`${tp.topic}\u0000${tp.partition}`, true)
          batch.settle(null)
        } catch (err) {
          for (const tp of tps) this.added.delete(`${tp.topic}\u0000${tp.partition}`)
          this.fail(err as Error)
          batch.settle(err as Error)
        }
        this.wake()
      })
    }
    this.waiting.push({ topic, partition })
    this.added.set(key, this.nextAdd.promise)
  }

  private async addPartitions(tps: readonly { topic: string; partition: number }[]): Promise<void> {
    const id = this.identity!
    const byTopic = new Map<string, number[]>()
    for (const tp of tps) (byTopic.get(tp.topic) ?? byTopic.set(tp.topic, []).get(tp.topic)!).push(tp.partition)
    const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }))
    await retry(async () => {
      const conn = await this.cluster.coordinator(this.transactionalId, 1)
      const res = await whileConcurrent(() => conn.request<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, {
        transactions: [], v3AndBelowTransactionalId: this.transactionalId, v3AndBelowProducerId: BigInt(id.producerId),
        v3AndBelowProducerEpoch: id.producerEpoch, v3AndBelowTopics: topics,
      }), (r) => r.errorCode !== 0 ? r.errorCode : r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition).find((p) => p.partitionErrorCode !== 0)?.partitionErrorCode ?? 0)
      if (res.errorCode !== 0) this.checkCode(res.errorCode, 'AddPartitionsToTxn')
      for (const t of res.resultsByTopicV3AndBelow) for (const p of t.resultsByPartition) this.checkCode(p.partitionErrorCode, 'AddPartitionsToTxn')
    }, { ...this.cluster.retryOptions, retries: Math.max(this.cluster.retryOptions.retries, 10) })
  }

  /**
   * AddOffsetsToTxn: the group's offsets partition joins the transaction, once per transaction
   * (at sendOffsets, or earlier through Producer.prepareTransaction, off the commit's path).
   */
  addGroup(groupId: string): Promise<void> {
    this.assertUsable()
    if (this.state !== 'in-transaction') throw new KafkaClientError('INVALID_TXN_STATE', 'sendOffsets() needs an open transaction', false)
    const known = this.groups.get(groupId)
    if (known !== undefined) return known
    const id = this.identity!
    this.started = true
    const p = this.serial(() => this.coordinatorRequest<AddOffsetsToTxnResponse>(ApiKey.AddOffsetsToTxn, {
      transactionalId: this.transactionalId, producerId: BigInt(id.producerId), producerEpoch: id.producerEpoch, groupId,
    }, 'AddOffsetsToTxn')).then(() => {})
    this.groups.set(groupId, p)
    // A failure is the caller's (sendOffsets) to see; here it forgets the group so that one retries.
    p.catch(() => { if (this.groups.get(groupId) === p) this.groups.delete(groupId) })
    return p
  }

  /** Commits consumer offsets as part of the transaction (consume-transform-produce). */
  async sendOffsets(group: GroupMetadata, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.assertUsable()
    if (this.state !== 'in-transaction') throw new KafkaClientError('INVALID_TXN_STATE', 'sendOffsets() needs an open transaction', false)
    const id = this.identity!
    await this.addGroup(group.groupId)
    const byTopic = new Map<string, TopicPartitionOffset[]>()
    for (const o of offsets) (byTopic.get(o.topic) ?? byTopic.set(o.topic, []).get(o.topic)!).push(o)
    await retry(async () => {
      const conn = await this.cluster.coordinator(group.groupId, 0)
      const v = conn.version(ApiKey.TxnOffsetCommit)
      const res = await conn.request<TxnOffsetCommitResponse>(ApiKey.TxnOffsetCommit, {
        transactionalId: this.transactionalId, groupId: group.groupId, producerId: BigInt(id.producerId), producerEpoch: id.producerEpoch,
        generationIdOrMemberEpoch: v >= 3 ? group.generationId ?? -1 : -1, memberId: v >= 3 ? group.memberId ?? '' : '',
        groupInstanceId: v >= 3 ? group.groupInstanceId ?? null : null,
        topics: [...byTopic].map(([name, ps]) => ({
          name, topicId: ZERO_UUID,
          partitions: ps.map((p) => ({ partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedLeaderEpoch: -1, committedMetadata: p.metadata ?? null })),
        })),
      })
      for (const t of res.topics) for (const p of t.partitions) {
        if (p.errorCode === 0) continue
        if (COORDINATOR_ERRORS.has(p.errorCode)) this.cluster.forgetCoordinator(group.groupId, 0)
        this.checkCode(p.errorCode, 'TxnOffsetCommit')
      }
    }, this.cluster.retryOptions)
  }

  /** EndTxn; the caller has flushed (commit) or failed (abort) the transaction's batches. */
  async end(commit: boolean): Promise<void> {
    this.assertUsable()
    if (this.state !== 'in-transaction') throw new KafkaClientError('INVALID_TXN_STATE', `no open transaction to ${commit ? 'commit' : 'abort'}`, false)
    this.state = commit ? 'committing' : 'aborting'
    const id = this.identity!
    try {
      // Nothing was written: there is no transaction on the coordinator to end.
      if (this.started) {
        await Promise.allSettled([...[...this.added.values()].filter((a) => a !== true), ...this.groups.values()])
        await this.coordinatorRequest<EndTxnResponse>(ApiKey.EndTxn, {
          transactionalId: this.transactionalId, producerId: BigInt(id.producerId), producerEpoch: id.producerEpoch, committed: commit,
        }, 'EndTxn')
      }
      this.state = 'ready'
      this.added.clear()
      this.groups.clear()
    } catch (err) {
      if (this.fatal === null) this.state = 'in-transaction'
      throw err
    }
  }
}
