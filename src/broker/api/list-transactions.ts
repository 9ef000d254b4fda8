// ListTransactions (key 66), v0-1: transactional ids, filtered by state, producer id and (v1)
// by having run longer than a duration.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/generated/messages/list-transactions.ts'
import { TXN_STATE_NAMES, TxnState } from '../coordinator/txn/txn-metadata.ts'
import { txnServiceOf } from '../coordinator/txn/txn-service.ts'
import { defineHandler } from './handler.ts'

const KNOWN = new Set(Object.values(TXN_STATE_NAMES))

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request, version) {
    const coordinator = txnServiceOf(ctx.broker).coordinator
    if (coordinator.isLoading) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactionStates: [] }
    }
    const states = new Set(request.stateFilters)
    const pids = new Set(request.producerIdFilters.map(Number))
    const minDuration = version >= 1 ? Number(request.durationFilter) : -1
    const now = ctx.broker.clock.now()
    const transactionStates = coordinator.all()
      .filter((m) => m.state !== TxnState.Dead)
      .filter((m) => states.size === 0 || states.has(TXN_STATE_NAMES[m.state]))
      .filter((m) => pids.size === 0 || pids.has(m.producerId))
      .filter((m) => minDuration < 0 || (m.state === TxnState.Ongoing && m.txnStartTimestamp >= 0 && now - m.txnStartTimestamp >= minDuration))
      .map((m) => ({ transactionalId: m.transactionalId, producerId: BigInt(m.producerId), transactionState: TXN_STATE_NAMES[m.state] }))
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      unknownStateFilters: request.stateFilters.filter((s) => !KNOWN.has(s)),
      transactionStates,
    }
  },
})
