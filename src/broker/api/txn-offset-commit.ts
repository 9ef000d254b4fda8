// TxnOffsetCommit (key 28), v0-6: group offsets that become visible only when the transaction
// commits. The transaction coordinator (asked over AddPartitionsToTxn verifyOnly when it is
// another broker) checks the producer and that the group's __consumer_offsets partition is in the
// transaction (AddOffsetsToTxn); from v5 (transaction version 2, KIP-890 part 2, once finalized)
// this request adds that partition itself, as Produce v12 does for data partitions. The group
// shard checks the member (v3+, KIP-447), appends the offsets as the producer's transactional batch
// and keeps them pending until the producer's marker lands there (coordinator/group/txn-offsets.ts).
// v6 names topics by id (KIP-1319): an id this cluster does not know is UNKNOWN_TOPIC_ID.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../cluster/topic-names.ts'
import { addPartitionsV2, txnPartitionStatus } from '../coordinator/txn/verify-append.ts'
import { transactionV2Finalized } from './features.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup, allowedTopic, allowedTransactionalId } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { isSafeInt64 } from './int64.ts'

/** The first version that adds the offsets partition to the transaction (no AddOffsetsToTxn). */
const IMPLICIT_ADD_VERSION = 5
const TOPIC_ID_VERSION = 6

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
  maxVersion: 6,
  async handle(ctx, request, version) {
    const byId = version >= TOPIC_ID_VERSION
    const names = request.topics.map((t) => (byId ? ctx.broker.metadata.topicById(t.topicId)?.name : t.name))
    const respond = (codeOf: (index: number) => number): TxnOffsetCommitResponse => {
      let i = 0
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t, ti) => ({
          name: byId ? '' : t.name,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => {
            const code = codeOf(i++)
            return { partitionIndex: p.partitionIndex, errorCode: names[ti] === undefined ? ErrorCode.UNKNOWN_TOPIC_ID : code }
          }),
        })),
      }
    }
    // Kafka's checks: WRITE on the transactional id, READ on the group, READ on each topic (only
    // the refused topics' partitions fail).
    if (!allowedTransactionalId(ctx, Operation.WRITE, request.transactionalId)) return respond(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    if (!allowedGroup(ctx, Operation.READ, request.groupId)) return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED)
    const denied = names.map((n) => n !== undefined && !allowedTopic(ctx, Operation.READ, n))
    // An offset a JS number cannot hold exactly would be stored rounded (ADR 0001).
    if (request.topics.some((t) => t.partitions.some((p) => !isSafeInt64(p.committedOffset)))) return respond(() => ErrorCode.INVALID_COMMIT_OFFSET_SIZE)
    const producerId = Number(request.producerId)
    const service = ctx.broker.coordinators.group
    const offsetsPartition = service.coordinator.partitionFor(request.groupId)
    // Not this broker's group (its __consumer_offsets partition is led elsewhere, or loading):
    // NOT_COORDINATOR makes the client find the coordinator again, as in Kafka. Checked first: the
    // member check below would call a group this broker does not hold ILLEGAL_GENERATION, and
    // librdkafka then aborts and retries on the same broker for ever.
    const placed = service.coordinator.checkGroup(request.groupId)
    if (placed !== ErrorCode.NONE) return respond(() => placed)
    // The producer and its transaction, from the transaction coordinator (here or on another
    // broker): the group's offsets partition must be in the transaction, or no marker would ever
    // end them (transaction.partition.verification.enable=false skips the check, as in Kafka).
    let code: number = ErrorCode.NONE
    if (version >= IMPLICIT_ADD_VERSION && transactionV2Finalized(ctx.broker.metadata.image)) {
      // Transaction version 2: the coordinator (here or on another broker) adds the offsets partition.
      const [added] = await addPartitionsV2(ctx.broker, request.transactionalId, producerId, request.producerEpoch,
        [{ topic: CONSUMER_OFFSETS_TOPIC, partition: offsetsPartition }])
      const addCode = added?.errorCode ?? ErrorCode.NONE
      code = addCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : addCode
    } else if (ctx.broker.config.bool('transaction.partition.verification.enable')) {
      code = txnOffsetsCode(await txnPartitionStatus(ctx.broker, request.transactionalId, producerId, request.producerEpoch, CONSUMER_OFFSETS_TOPIC, offsetsPartition))
    }
    if (code === ErrorCode.NONE) {
      await service.whenLoaded()
      if (version >= 3) code = service.coordinator.validateTxnMember(request.groupId, request.generationIdOrMemberEpoch, request.memberId, request.groupInstanceId)
    }
    if (code !== ErrorCode.NONE) return respond(() => code)
    const known = request.topics.flatMap((t, ti) => (names[ti] === undefined || denied[ti] ? [] : t.partitions.map((p) => ({
      topic: names[ti]!, partition: p.partitionIndex, offset: p.committedOffset,
      leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata,
    }))))
    const codes = known.length === 0 ? [] : await service.coordinator.commitTxnOffsets({
      groupId: request.groupId,
      producerId,
      producerEpoch: request.producerEpoch,
      offsets: known,
    })
    let k = 0
    const perPartition = request.topics.flatMap((t, ti) => t.partitions.map(() => (names[ti] === undefined ? ErrorCode.UNKNOWN_TOPIC_ID
      : denied[ti] ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : codes[k++]!)))
    return respond((i) => perPartition[i]!)
  },
})
