// InitProducerId (key 22), v0-5: a fresh producer id for idempotent producers; for transactional
// ids the coordinator bumps the epoch (fencing older instances) after finishing or aborting the
// previous transaction. v3+ carry the caller's id/epoch (KIP-360 epoch bump after errors).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster, allowedOnAny, allowedTransactionalId } from '../security/acl/check.ts'
import { Operation, ResourceType } from '../security/acl/acl.ts'
import { fencedForVersion } from './txn-common.ts'

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    // Kafka's checks: WRITE on the transactional id; an idempotent producer IDEMPOTENT_WRITE on the
    // cluster or WRITE on some topic.
    const refused = request.transactionalId !== null
      ? (allowedTransactionalId(ctx, Operation.WRITE, request.transactionalId) ? 0 : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
      : (allowedCluster(ctx, Operation.IDEMPOTENT_WRITE) || allowedOnAny(ctx, Operation.WRITE, ResourceType.TOPIC) ? 0 : ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    if (refused !== 0) {
      return { throttleTimeMs: 0, errorCode: refused, producerId: -1n, producerEpoch: -1, ongoingTxnProducerId: -1n, ongoingTxnProducerEpoch: -1 }
    }
    const coordinator = ctx.broker.coordinators.txn.coordinator
    const withIds = version >= 3
    const r = await coordinator.initProducerId(
      request.transactionalId,
      request.transactionTimeoutMs,
      withIds ? Number(request.producerId) : -1,
      withIds ? request.producerEpoch : -1,
    )
    return {
      throttleTimeMs: 0,
      errorCode: fencedForVersion(r.errorCode, version, 4),
      producerId: BigInt(r.producerId),
      producerEpoch: r.producerEpoch,
      ongoingTxnProducerId: -1n,
      ongoingTxnProducerEpoch: -1,
    }
  },
})
