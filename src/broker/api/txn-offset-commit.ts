// TxnOffsetCommit (key 28), v0-4: group offsets that become visible only when the transaction
// commits. As in Kafka they are appended to the group's __consumer_offsets partition as a
// transactional batch of the producer (which AddOffsetsToTxn put into the transaction) and stay
// pending until the producer's marker lands there (coordinator/txn/pending-offsets.ts): a commit
// applies them, an abort drops them. v3+ carry the consumer's group generation and member id,
// checked like an OffsetCommit's (KIP-447).
import { buildRecordBatch } from '../../protocol/records/batch-builder.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit.ts'
import { groupServiceOf } from '../coordinator/group/group-of.ts'
import { txnServiceOf } from '../coordinator/txn/txn-service.ts'
import { pendingTxnOffsetsOf } from '../coordinator/txn/pending-offsets.ts'
import { encodeGroupRecord } from '../coordinator/group/records.ts'
import type { GroupRecord } from '../coordinator/group/records.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../cluster/topic-names.ts'
import { isStorageError } from '../../storage/errors.ts'
import { defineHandler } from './handler.ts'
import { ZERO_UUID } from '../../protocol/primitives/index.ts'

function groupError(ctx: Parameters<typeof groupServiceOf>[0], req: TxnOffsetCommitRequest, version: number): number {
  if (version < 3) return ErrorCode.NONE
  const group = groupServiceOf(ctx).coordinator.group(req.groupId)
  if (!group) return req.generationIdOrMemberEpoch >= 0 ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE
  if (req.generationIdOrMemberEpoch < 0 && group.members.size === 0) return ErrorCode.NONE
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
  if (req.memberId !== '' && !group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID
  if (req.generationIdOrMemberEpoch >= 0 && req.generationIdOrMemberEpoch !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
  return ErrorCode.NONE
}

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const service = txnServiceOf(ctx.broker)
    const respond = (codeOf: (topic: string, partition: number) => number): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(t.name, p.partitionIndex) })),
      })),
    })
    let code = service.coordinator.checkTxnMember(request.transactionalId, Number(request.producerId), request.producerEpoch)
    if (code === ErrorCode.NONE) {
      await groupServiceOf(ctx.broker).whenLoaded()
      code = groupError(ctx.broker, request, version)
    }
    if (code !== ErrorCode.NONE) return respond(() => code)
    const groups = groupServiceOf(ctx.broker).coordinator
    const offsetsPartition = groups.partitionFor(request.groupId)
    const producerId = Number(request.producerId)
    // The group's offsets partition must be in the transaction, or no marker would ever end them.
    const inTxn = service.coordinator.verifyPartition(request.transactionalId, producerId, request.producerEpoch, CONSUMER_OFFSETS_TOPIC, offsetsPartition)
    if (inTxn !== undefined && inTxn !== ErrorCode.NONE) return respond(() => inTxn)
    const now = ctx.broker.clock.now()
    const records: GroupRecord[] = []
    const bad = new Set<string>()
    const maxMetadata = groupServiceOf(ctx.broker).coordinator.config.offsetMetadataMaxBytes
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const metadata = p.committedMetadata ?? ''
        if (!ctx.broker.replicas.partition(t.name, p.partitionIndex)) bad.add(`${t.name}\u0000${p.partitionIndex}\u0000${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`)
        else if (Buffer.byteLength(metadata) > maxMetadata) bad.add(`${t.name}\u0000${p.partitionIndex}\u0000${ErrorCode.OFFSET_METADATA_TOO_LARGE}`)
        else {
          records.push({
            type: 'offset', group: request.groupId, topic: t.name, partition: p.partitionIndex,
            value: { offset: p.committedOffset, leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1, metadata,
              commitTimestamp: BigInt(now), expireTimestamp: -1n, topicId: ZERO_UUID },
          })
        }
      }
    }
    if (records.length > 0) {
      const partition = ctx.broker.replicas.partition(CONSUMER_OFFSETS_TOPIC, offsetsPartition)
      if (!partition) return respond(() => ErrorCode.COORDINATOR_NOT_AVAILABLE)
      try {
        await partition.appendAsCoordinator(buildRecordBatch({
          producerId, producerEpoch: request.producerEpoch, transactional: true, baseTimestamp: now,
          records: records.map((r) => ({ ...encodeGroupRecord(r), timestamp: now })),
        }))
      } catch (err) {
        // A newer epoch of this producer already wrote there: this instance is a zombie.
        if (isStorageError(err) && err.code === 'INVALID_PRODUCER_EPOCH') return respond(() => ErrorCode.INVALID_PRODUCER_EPOCH)
        ctx.log.error({ err }, 'appending transactional offsets failed')
        return respond(() => ErrorCode.COORDINATOR_NOT_AVAILABLE)
      }
      // Pending from now on, right after the append (log order), until the producer's marker.
      pendingTxnOffsetsOf(ctx.broker).add(offsetsPartition, producerId, records)
    }
    return respond((topic, partition) => {
      for (const c of [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_METADATA_TOO_LARGE]) {
        if (bad.has(`${topic}\u0000${partition}\u0000${c}`)) return c
      }
      return ErrorCode.NONE
    })
  },
})
