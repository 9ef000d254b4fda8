// EndTxn (key 26), v0-5: commit or abort. Answered once the PrepareCommit/PrepareAbort record is
// durable; markers follow. v5 is transaction version 2 (KIP-890 part 2): the coordinator bumps the
// producer epoch at every end and answers with the id and epoch the producer continues with.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { EndTxnRequest, EndTxnResponse } from '../../protocol/generated/messages/end-txn.ts'
import { defineHandler } from './handler.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { allowedTransactionalId } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { fencedForVersion } from './txn-common.ts'

export const endTxnHandler = defineHandler<EndTxnRequest, EndTxnResponse>({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    if (!allowedTransactionalId(ctx, Operation.WRITE, request.transactionalId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 }
    }
    const coordinator = ctx.broker.coordinators.txn.coordinator
    if (version >= 5) {
      const r = await coordinator.endTxnV2(request.transactionalId, Number(request.producerId), request.producerEpoch, request.committed)
      return { throttleTimeMs: 0, errorCode: r.errorCode, producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch }
    }
    const code = await coordinator.endTxn(request.transactionalId, Number(request.producerId), request.producerEpoch, request.committed)
    return { throttleTimeMs: 0, errorCode: fencedForVersion(code, version, 2), producerId: -1n, producerEpoch: -1 }
  },
})
