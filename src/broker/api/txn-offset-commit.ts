// TxnOffsetCommit (key 28), v0-4: group offsets that become visible only when the transaction
// commits. The transaction coordinator (asked over AddPartitionsToTxn verifyOnly when it is
// another broker) checks the producer and that the group's __consumer_offsets partition is in the
// transaction (AddOffsetsToTxn); the group shard checks the member (v3+,
// KIP-447), appends the offsets as the producer's transactional batch and keeps them pending until
// the producer's marker lands there (coordinator/group/txn-offsets.ts).
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../cluster/topic-names.ts'
import { txnPartitionStatus } from '../coordinator/txn/verify-append.ts'
import { defineHandler } from './handler.ts'

/** The transaction coordinator's verdict as a TxnOffsetCommit answer. */
function txnOffsetsCode(code: number | undefined): number {
  switch (code) {
    case undefined:
    case ErrorCode.NONE:
      return ErrorCode.NONE
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH
    // The transaction coordinator is moving or loading: the client finds its coordinator again and retries.
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.CONCURRENT_TRANSACTIONS:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE
    default:
      return code
  }
}

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const respond = (codeOf: (index: number) => number): TxnOffsetCommitResponse => {
      let i = 0
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(i++) })),
        })),
      }
    }
    const producerId = Number(request.producerId)
    const service = ctx.broker.coordinators.group
    const offsetsPartition = service.coordinator.partitionFor(request.groupId)
    // The producer and its transaction, from the transaction coordinator (here or on another
    // broker): the group's offsets partition must be in the transaction, or no marker would ever
    // end them (transaction.partition.verification.enable=false skips the check, as in Kafka).
    let code: number = ErrorCode.NONE
    if (ctx.broker.config.bool('transaction.partition.verification.enable')) {
      code = txnOffsetsCode(await txnPartitionStatus(ctx.broker, request.transactionalId, producerId, request.producerEpoch, CONSUMER_OFFSETS_TOPIC, offsetsPartition))
    }
    if (code === ErrorCode.NONE) {
      await service.whenLoaded()
      if (version >= 3) code = service.coordinator.validateTxnMember(request.groupId, request.generationIdOrMemberEpoch, request.memberId, request.groupInstanceId)
    }
    if (code !== ErrorCode.NONE) return respond(() => code)
    const codes = await service.coordinator.commitTxnOffsets({
      groupId: request.groupId,
      producerId,
      producerEpoch: request.producerEpoch,
      offsets: request.topics.flatMap((t) => t.partitions.map((p) => ({
        topic: t.name, partition: p.partitionIndex, offset: p.committedOffset,
        leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata,
      }))),
    })
    return respond((i) => codes[i]!)
  },
})
