// InitProducerId (key 22), v0-5: a fresh producer id for idempotent producers; for transactional
// ids the coordinator bumps the epoch (fencing older instances) after finishing or aborting the
// previous transaction. v3+ carry the caller's id/epoch (KIP-360 epoch bump after errors).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id.ts'
import { defineHandler } from './handler.ts'
import { fencedForVersion } from './txn-common.ts'

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
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
