// TxnOffsetCommit (key 28), v0-4: group offsets that become visible only when the transaction
// commits. The transaction coordinator checks the producer and that the group's __consumer_offsets
// partition is in the transaction (AddOffsetsToTxn); the group shard checks the member (v3+,
// KIP-447), appends the offsets as the producer's transactional batch and keeps them pending until
// the producer's marker lands there (coordinator/group/txn-offsets.ts).
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../cluster/topic-names.ts'
import { defineHandler } from './handler.ts'

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const txn = ctx.broker.coordinators.txn.coordinator
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
    let code = txn.checkTxnMember(request.transactionalId, producerId, request.producerEpoch)
    const service = ctx.broker.coordinators.group
    if (code === ErrorCode.NONE) {
      await service.whenLoaded()
      if (version >= 3) code = service.coordinator.validateTxnMember(request.groupId, request.generationIdOrMemberEpoch, request.memberId, request.groupInstanceId)
    }
    if (code !== ErrorCode.NONE) return respond(() => code)
    // The group's offsets partition must be in the transaction, or no marker would ever end them
    // (transaction.partition.verification.enable=false skips the check, as in Kafka).
    if (ctx.broker.config.bool('transaction.partition.verification.enable')) {
      const offsetsPartition = service.coordinator.partitionFor(request.groupId)
      const inTxn = txn.verifyPartition(request.transactionalId, producerId, request.producerEpoch, CONSUMER_OFFSETS_TOPIC, offsetsPartition)
      if (inTxn !== undefined && inTxn !== ErrorCode.NONE) return respond(() => inTxn)
    }
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
