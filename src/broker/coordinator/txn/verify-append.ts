// transaction.partition.verification.enable (KIP-890 part 1, single node): a transactional batch
// is accepted only into a partition its producer's ongoing transaction includes. Without this a
// stray or late transactional write opens a transaction no coordinator will ever end, and the
// partition's last stable offset stays behind it forever (a "hanging transaction").
// Produce v12+ (transaction version 2, part 2) adds the partition to the transaction instead of
// only checking it: such producers send no AddPartitionsToTxn.
import { ErrorCode, KafkaProtocolError } from '../../../protocol/errors.ts'
import { RECORD_BATCH_OVERHEAD, isTransactional, magic, producerEpoch, producerId } from '../../../protocol/records/batch-header.ts'
import type { BrokerContext } from '../../context.ts'
import { TV2 } from './txn-metadata.ts'

/** The first Produce version whose transactional batches add their partition to the transaction. */
export const PRODUCE_IMPLICIT_ADD_VERSION = 12

const transactional = (batches: Buffer): boolean =>
  batches.length >= RECORD_BATCH_OVERHEAD && magic(batches, 0) === 2 && isTransactional(batches, 0)

/** Throws INVALID_TXN_STATE (or INVALID_PRODUCER_EPOCH when fenced) when transactional `batches` may not go to the partition. */
export function verifyTransactionalAppend(ctx: BrokerContext, transactionalId: string | null, topic: string, partition: number, batches: Buffer): void {
  if (!transactional(batches)) return
  if (!ctx.config.bool('transaction.partition.verification.enable')) return
  if (transactionalId === null || transactionalId === '') {
    throw new KafkaProtocolError(ErrorCode.INVALID_TXN_STATE, 'Transactional records need a transactional id')
  }
  const code = ctx.coordinators.txn.coordinator.verifyPartition(transactionalId, producerId(batches, 0), producerEpoch(batches, 0), topic, partition)
  if (code === ErrorCode.INVALID_PRODUCER_EPOCH) throw new KafkaProtocolError(code, `Producer epoch of ${transactionalId} is fenced`)
  if (code !== undefined && code !== ErrorCode.NONE) {
    throw new KafkaProtocolError(code, `${topic}-${partition} is not part of an ongoing transaction of ${transactionalId}`)
  }
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
    const coordinator = this.ctx.coordinators.txn.coordinator
    if (coordinator.verifyPartition(id, pid, epoch, topic, partition) === ErrorCode.NONE) return
    const key = `${pid}:${epoch}`
    let group = this.waiting.get(key)
    if (group === undefined) this.waiting.set(key, (group = { pid, epoch, tps: [] }))
    group.tps.push({ topic, partition })
    const g = group
    g.result ??= Promise.resolve().then(async () => {
      const results = await coordinator.addPartitions(id, g.pid, g.epoch, g.tps, false, TV2)
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
