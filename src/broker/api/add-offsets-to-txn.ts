// AddOffsetsToTxn (key 25), v0-4: puts the group's __consumer_offsets partition into the
// transaction so that its TxnOffsetCommit offsets commit or abort with it.
import { ErrorCode } from '../../protocol/errors.ts'
import { allowedGroup, allowedTransactionalId } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../protocol/generated/messages/add-offsets-to-txn.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../cluster/topic-names.ts'
import { partitionForGroup } from '../coordinator/group/group-partition.ts'
import { defineHandler } from './handler.ts'
import { fencedForVersion } from './txn-common.ts'

export const addOffsetsToTxnHandler = defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    if (!allowedTransactionalId(ctx, Operation.WRITE, request.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED }
    if (!allowedGroup(ctx, Operation.READ, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }
    const coordinator = ctx.broker.coordinators.txn.coordinator
    let partitions: number
    try {
      partitions = (await ctx.broker.topics.ensureInternalTopic(CONSUMER_OFFSETS_TOPIC)).partitions
    } catch (err) {
      ctx.log.warn({ err }, 'cannot create __consumer_offsets')
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }
    }
    const partition = partitionForGroup(request.groupId, partitions)
    const [r] = await coordinator.addPartitions(request.transactionalId, Number(request.producerId), request.producerEpoch,
      [{ topic: CONSUMER_OFFSETS_TOPIC, partition }])
    return { throttleTimeMs: 0, errorCode: fencedForVersion(r!.errorCode, version, 2) }
  },
})
