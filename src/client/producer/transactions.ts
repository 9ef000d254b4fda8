// Transactions for a producer with a transactional.id: InitProducerId through the transaction
// coordinator (fencing older instances), AddPartitionsToTxn before a partition's first batch in
// a transaction, AddOffsetsToTxn + TxnOffsetCommit for consume-transform-produce, EndTxn to commit
// or abort. Fencing (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH) is fatal: the producer must be
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
  /** Partitions added to the current transaction (or being added). */
  private readonly added = new Map<string, Promise<void> | true>()
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
    this.started = false
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
    if (a === undefined) {
      this.started = true
      const p = this.addPartition(topic, partition).then(
        () => {
          this.added.set(key, true)
          this.wake()
        },
        (err: unknown) => {
          this.added.delete(key)
          this.fail(err as Error)
          this.wake()
        },
      )
      this.added.set(key, p)
    }
    return false
  }

  private async addPartition(topic: string, partition: number): Promise<void> {
    const id = this.identity!
    await retry(async () => {
      const conn = await this.cluster.coordinator(this.transactionalId, 1)
      const res = await whileConcurrent(() => conn.request<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, {
        transactions: [], v3AndBelowTransactionalId: this.transactionalId, v3AndBelowProducerId: BigInt(id.producerId),
        v3AndBelowProducerEpoch: id.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [partition] }],
      }), (r) => r.errorCode !== 0 ? r.errorCode : r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition).find((p) => p.partitionErrorCode !== 0)?.partitionErrorCode ?? 0)
      if (res.errorCode !== 0) this.checkCode(res.errorCode, 'AddPartitionsToTxn')
      for (const t of res.resultsByTopicV3AndBelow) for (const p of t.resultsByPartition) this.checkCode(p.partitionErrorCode, 'AddPartitionsToTxn')
    }, { ...this.cluster.retryOptions, retries: Math.max(this.cluster.retryOptions.retries, 10) })
  }

  /** Commits consumer offsets as part of the transaction (consume-transform-produce). */
  async sendOffsets(group: GroupMetadata, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.assertUsable()
    if (this.state !== 'in-transaction') throw new KafkaClientError('INVALID_TXN_STATE', 'sendOffsets() needs an open transaction', false)
    const id = this.identity!
    this.started = true
    await this.coordinatorRequest<AddOffsetsToTxnResponse>(ApiKey.AddOffsetsToTxn, {
      transactionalId: this.transactionalId, producerId: BigInt(id.producerId), producerEpoch: id.producerEpoch, groupId: group.groupId,
    }, 'AddOffsetsToTxn')
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
        await Promise.allSettled([...this.added.values()].filter((a) => a !== true))
        await this.coordinatorRequest<EndTxnResponse>(ApiKey.EndTxn, {
          transactionalId: this.transactionalId, producerId: BigInt(id.producerId), producerEpoch: id.producerEpoch, committed: commit,
        }, 'EndTxn')
      }
      this.state = 'ready'
      this.added.clear()
    } catch (err) {
      if (this.fatal === null) this.state = 'in-transaction'
      throw err
    }
  }
}
