// transaction.partition.verification.enable (KIP-890 part 1): a transactional batch is accepted
// only into a partition its producer's ongoing transaction includes. Without this a stray or late
// transactional write opens a transaction no coordinator will ever end, and the partition's last
// stable offset stays behind it forever (a "hanging transaction").
//
// Where the transactional id's coordinator is this broker, its state is read directly. Otherwise
// (a cluster) the partition leader asks the coordinator with AddPartitionsToTxn v4 verifyOnly, as
// Kafka's AddPartitionsToTxnManager does, but only for the producer's first batch in the
// partition: once a transaction is open here, its later batches need no question. A marker queued
// during that round trip may have ended the transaction the answer vouched for; the check then
// runs again (Kafka's verification guard). Coordinator trouble (moving, loading, unreachable) is
// NOT_ENOUGH_REPLICAS, which every client retries, as Kafka answers it.
//
// Produce v12+ and TxnOffsetCommit v5+ (transaction version 2, part 2, once finalized: single node,
// or the cluster's feature level) add the partition to the transaction instead of only checking
// it: such producers send no AddPartitionsToTxn. A remote coordinator is asked with
// AddPartitionsToTxn v5, verifyOnly false (Kafka's AddPartitionsToTxnManager for transaction
// version 2), which the coordinator applies as a transaction-version-2 add.
import { ErrorCode, KafkaProtocolError } from '../../../protocol/errors.ts'
import { ApiKey } from '../../../protocol/generated/api-keys.ts'
import type { AddPartitionsToTxnResponse } from '../../../protocol/generated/messages/add-partitions-to-txn.ts'
import { RECORD_BATCH_OVERHEAD, isTransactional, magic, producerEpoch, producerId } from '../../../protocol/records/batch-header.ts'
import type { BrokerContext } from '../../context.ts'
import { TRANSACTION_STATE_TOPIC } from '../../cluster/topic-names.ts'
import type { Partition } from '../../replica/partition.ts'
import { TV2 } from './txn-metadata.ts'

/** The first Produce version whose transactional batches add their partition to the transaction. */
export const PRODUCE_IMPLICIT_ADD_VERSION = 12

const transactional = (batches: Buffer): boolean =>
  batches.length >= RECORD_BATCH_OVERHEAD && magic(batches, 0) === 2 && isTransactional(batches, 0)

const VERIFY_ROUNDS = 3

const RETRIABLE = new Set<number>([
  ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS,
])

/**
 * Throws INVALID_TXN_STATE (INVALID_PRODUCER_EPOCH when fenced, NOT_ENOUGH_REPLICAS when the
 * coordinator cannot answer) when transactional `batches` may not go to `partition`. Returns a
 * promise only when it has to ask another broker (the produce path stays synchronous otherwise).
 */
export function verifyTransactionalAppend(ctx: BrokerContext, transactionalId: string | null, partition: Partition, batches: Buffer): Promise<void> | undefined {
  if (!transactional(batches)) return undefined
  if (!ctx.config.bool('transaction.partition.verification.enable')) return undefined
  if (transactionalId === null || transactionalId === '') {
    throw new KafkaProtocolError(ErrorCode.INVALID_TXN_STATE, 'Transactional records need a transactional id')
  }
  const pid = producerId(batches, 0)
  const epoch = producerEpoch(batches, 0)
  const coordinator = txnCoordinatorOf(ctx, transactionalId)
  if (coordinator === undefined || coordinator === ctx.nodeId) {
    check(localStatus(ctx, transactionalId, pid, epoch, partition.topic, partition.index), transactionalId, partition)
    return undefined
  }
  if (partition.hasOngoingTransaction(pid, epoch)) return undefined
  return verifyRemotely(ctx, coordinator, transactionalId, pid, epoch, partition)
}

/**
 * What the transactional id's coordinator, here or on another broker, says about `topic`-`index`
 * in (pid, epoch)'s transaction: NONE when the ongoing transaction includes it, else its error
 * code (PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING, INVALID_TXN_STATE, or a coordinator error
 * such as NOT_COORDINATOR while it moves); undefined while this broker's coordinator is still
 * loading at start-up. A promise only when another broker is asked.
 */
export function txnPartitionStatus(ctx: BrokerContext, transactionalId: string, pid: number, epoch: number, topic: string, index: number): number | undefined | Promise<number> {
  const coordinator = txnCoordinatorOf(ctx, transactionalId)
  if (coordinator === undefined || coordinator === ctx.nodeId) return localStatus(ctx, transactionalId, pid, epoch, topic, index)
  return askCoordinator(ctx, coordinator, transactionalId, pid, epoch, topic, index)
}

/** The leader of the id's __transaction_state partition (-1 none); undefined before the topic exists. */
function txnCoordinatorOf(ctx: BrokerContext, transactionalId: string): number | undefined {
  return ctx.metadata.image.partition(TRANSACTION_STATE_TOPIC, ctx.coordinators.txn.partitionFor(transactionalId))?.leader
}

function localStatus(ctx: BrokerContext, transactionalId: string, pid: number, epoch: number, topic: string, index: number): number | undefined {
  const txn = ctx.coordinators.txn
  const exists = ctx.metadata.image.topic(TRANSACTION_STATE_TOPIC) !== undefined
  // Leader here but not yet replayed (elected moments ago): the client retries shortly.
  if (exists && !txn.coordinator.isLoading && txn.runtime.status(txn.partitionFor(transactionalId)) !== 'active') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
  return txn.coordinator.verifyPartition(transactionalId, pid, epoch, topic, index)
}

async function verifyRemotely(ctx: BrokerContext, coordinator: number, transactionalId: string, pid: number, epoch: number, partition: Partition): Promise<void> {
  for (let round = 0; round < VERIFY_ROUNDS; round++) {
    if (partition.hasOngoingTransaction(pid, epoch)) return
    const before = partition.coordinatorAppends
    const code = await askCoordinator(ctx, coordinator, transactionalId, pid, epoch, partition.topic, partition.index)
    check(code, transactionalId, partition)
    if (partition.coordinatorAppends === before) return
  }
  throw new KafkaProtocolError(ErrorCode.NOT_ENOUGH_REPLICAS, `the transaction of ${transactionalId} changed while ${partition.topic}-${partition.index} was verified; retry`)
}

function check(code: number | undefined, transactionalId: string, partition: Partition): void {
  if (code === undefined || code === ErrorCode.NONE) return
  if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
    throw new KafkaProtocolError(ErrorCode.INVALID_PRODUCER_EPOCH, `Producer epoch of ${transactionalId} is fenced`)
  }
  if (RETRIABLE.has(code)) {
    throw new KafkaProtocolError(ErrorCode.NOT_ENOUGH_REPLICAS, `the transaction coordinator of ${transactionalId} could not verify ${partition.topic}-${partition.index} yet`)
  }
  throw new KafkaProtocolError(ErrorCode.INVALID_TXN_STATE, `${partition.topic}-${partition.index} is not part of an ongoing transaction of ${transactionalId}`)
}

async function askCoordinator(ctx: BrokerContext, coordinator: number, transactionalId: string, pid: number, epoch: number, topic: string, index: number): Promise<number> {
  if (coordinator < 0) return ErrorCode.COORDINATOR_NOT_AVAILABLE
  const timeoutMs = ctx.config.int('request.timeout.ms')
  let res: AddPartitionsToTxnResponse
  try {
    res = await ctx.interBroker.send<AddPartitionsToTxnResponse>(coordinator, ApiKey.AddPartitionsToTxn, 4, {
      transactions: [{
        transactionalId, producerId: BigInt(pid), producerEpoch: epoch, verifyOnly: true,
        topics: [{ name: topic, partitions: [index] }],
      }],
      v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
    }, timeoutMs)
  } catch (err) {
    ctx.log.debug({ err, transactionalId, coordinator }, 'transaction verification request failed')
    return ErrorCode.COORDINATOR_NOT_AVAILABLE
  }
  if (res.errorCode !== ErrorCode.NONE) return res.errorCode
  const r = res.resultsByTransaction.find((t) => t.transactionalId === transactionalId)
    ?.topicResults.find((t) => t.name === topic)
    ?.resultsByPartition.find((p) => p.partitionIndex === index)
  return r?.partitionErrorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR
}

/**
 * Produce v12+: adds the request's partitions to the producer's transaction in one coordinator call
 * (as Kafka's leader sends one AddPartitionsToTxn per request), skipped for partitions already in
 * it. Errors as Kafka's leader returns them: coordinator trouble becomes NOT_ENOUGH_REPLICAS
 * (retried without a metadata refresh), a fenced epoch INVALID_PRODUCER_EPOCH; CONCURRENT_TRANSACTIONS
 * (the previous transaction still completing) stays: transaction-version-2 producers retry it.
 * One instance per request; `add` must be called for every partition before the first await.
 */
export class TxnPartitionAdder {
  private readonly waiting = new Map<string, { pid: number; epoch: number; tps: { topic: string; partition: number }[]; result?: Promise<Map<string, number>> }>()

  constructor(private readonly ctx: BrokerContext, private readonly transactionalId: string | null) {}

  async add(topic: string, partition: number, batches: Buffer): Promise<void> {
    if (!transactional(batches)) return
    const id = this.transactionalId
    if (id === null || id === '') throw new KafkaProtocolError(ErrorCode.INVALID_TXN_STATE, 'Transactional records need a transactional id')
    const pid = producerId(batches, 0)
    const epoch = producerEpoch(batches, 0)
    const coordinatorId = txnCoordinatorOf(this.ctx, id)
    if (coordinatorId === undefined || coordinatorId === this.ctx.nodeId) {
      if (this.ctx.coordinators.txn.coordinator.verifyPartition(id, pid, epoch, topic, partition) === ErrorCode.NONE) return
    } else if (this.ctx.replicas.partition(topic, partition)?.hasOngoingTransaction(pid, epoch)) return
    const key = `${pid}:${epoch}`
    let group = this.waiting.get(key)
    if (group === undefined) this.waiting.set(key, (group = { pid, epoch, tps: [] }))
    group.tps.push({ topic, partition })
    const g = group
    g.result ??= Promise.resolve().then(async () => {
      const results = await addPartitionsV2(this.ctx, id, g.pid, g.epoch, g.tps)
      return new Map(results.map((r) => [`${r.topic}\u0000${r.partition}`, r.errorCode]))
    })
    const code = (await g.result).get(`${topic}\u0000${partition}`) ?? ErrorCode.NONE
    switch (code) {
      case ErrorCode.NONE:
        return
      case ErrorCode.PRODUCER_FENCED:
      case ErrorCode.INVALID_PRODUCER_EPOCH:
        throw new KafkaProtocolError(ErrorCode.INVALID_PRODUCER_EPOCH, `Producer epoch of ${id} is fenced`)
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        throw new KafkaProtocolError(ErrorCode.NOT_ENOUGH_REPLICAS, `Unable to add ${topic}-${partition} to the transaction of ${id} (error ${code})`)
      default:
        throw new KafkaProtocolError(code, `${topic}-${partition} could not be added to the transaction of ${id}`)
    }
  }
}

/**
 * Transaction version 2: adds `tps` to the producer's transaction at its coordinator — this
 * broker's directly, another's with AddPartitionsToTxn v5 (verifyOnly false). Transport trouble
 * is COORDINATOR_NOT_AVAILABLE for every partition (the caller's retriable error).
 */
export async function addPartitionsV2(ctx: BrokerContext, transactionalId: string, pid: number, epoch: number,
  tps: readonly { topic: string; partition: number }[]): Promise<{ topic: string; partition: number; errorCode: number }[]> {
  const coordinator = txnCoordinatorOf(ctx, transactionalId)
  if (coordinator === undefined || coordinator === ctx.nodeId) return ctx.coordinators.txn.coordinator.addPartitions(transactionalId, pid, epoch, tps, false, TV2)
  const all = (code: number) => tps.map((t) => ({ ...t, errorCode: code }))
  if (coordinator < 0) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  const topics = new Map<string, number[]>()
  for (const t of tps) topics.set(t.topic, [...(topics.get(t.topic) ?? []), t.partition])
  let res: AddPartitionsToTxnResponse
  try {
    res = await ctx.interBroker.send<AddPartitionsToTxnResponse>(coordinator, ApiKey.AddPartitionsToTxn, 5, {
      transactions: [{
        transactionalId, producerId: BigInt(pid), producerEpoch: epoch, verifyOnly: false,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      }],
      v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
    }, ctx.config.int('request.timeout.ms'))
  } catch (err) {
    ctx.log.debug({ err, transactionalId, coordinator }, 'adding partitions at the transaction coordinator failed')
    return all(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  }
  if (res.errorCode !== ErrorCode.NONE) return all(res.errorCode)
  const results = res.resultsByTransaction.find((t) => t.transactionalId === transactionalId)?.topicResults ?? []
  return tps.map((t) => ({
    ...t,
    errorCode: results.find((r) => r.name === t.topic)?.resultsByPartition.find((p) => p.partitionIndex === t.partition)?.partitionErrorCode
      ?? ErrorCode.UNKNOWN_SERVER_ERROR,
  }))
}
