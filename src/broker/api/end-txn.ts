// EndTxn (key 26), v0-4 (v5, transaction version 2, is not served): commit or abort. Answered
// once the PrepareCommit/PrepareAbort record is durable; markers follow.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { EndTxnRequest, EndTxnResponse } from '../../protocol/generated/messages/end-txn.ts'
import { defineHandler } from './handler.ts'
import { fencedForVersion } from './txn-common.ts'

export const endTxnHandler = defineHandler<EndTxnRequest, EndTxnResponse>({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const coordinator = ctx.broker.coordinators.txn.coordinator
    const code = await coordinator.endTxn(request.transactionalId, Number(request.producerId), request.producerEpoch, request.committed)
    return { throttleTimeMs: 0, errorCode: fencedForVersion(code, version, 2), producerId: -1n, producerEpoch: -1 }
  },
})
