// transaction.partition.verification.enable (KIP-890 part 1, single node): a transactional batch
// is accepted only into a partition its producer's ongoing transaction includes. Without this a
// stray or late transactional write opens a transaction no coordinator will ever end, and the
// partition's last stable offset stays behind it forever (a "hanging transaction").
import { ErrorCode, KafkaProtocolError } from '../../../protocol/errors.ts'
import { RECORD_BATCH_OVERHEAD, isTransactional, magic, producerEpoch, producerId } from '../../../protocol/records/batch-header.ts'
import type { BrokerContext } from '../../context.ts'

/** Throws INVALID_TXN_STATE (or INVALID_PRODUCER_EPOCH when fenced) when transactional `batches` may not go to the partition. */
export function verifyTransactionalAppend(ctx: BrokerContext, transactionalId: string | null, topic: string, partition: number, batches: Buffer): void {
  if (batches.length < RECORD_BATCH_OVERHEAD || magic(batches, 0) !== 2 || !isTransactional(batches, 0)) return
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
