// ListTransactions (key 66), v0-2: transactional ids, filtered by state, producer id, (v1) by
// having run longer than a duration and (v2, KIP-1152) by a regular expression the whole id must
// match (Kafka compiles it with java.util.regex; JavaScript's syntax agrees on the usual patterns).
// A pattern that does not compile is INVALID_REGULAR_EXPRESSION.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/generated/messages/list-transactions.ts'
import { TXN_STATE_NAMES, TxnState } from '../coordinator/txn/txn-metadata.ts'
import { defineHandler } from './handler.ts'
import { allowedTransactionalId } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

const KNOWN = new Set(Object.values(TXN_STATE_NAMES))

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, request, version) {
    const coordinator = ctx.broker.coordinators.txn.coordinator
    if (coordinator.isLoading) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], transactionStates: [] }
    }
    const states = new Set(request.stateFilters)
    const pids = new Set(request.producerIdFilters.map(Number))
    const minDuration = version >= 1 ? Number(request.durationFilter) : -1
    const now = ctx.broker.clock.now()
    let pattern: RegExp | undefined
    const source = version >= 2 ? request.transactionalIdPattern : null
    if (source !== null && source !== '') {
      try {
        pattern = new RegExp(`^(?:${source})$`)
      } catch {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, unknownStateFilters: [], transactionStates: [] }
      }
    }
    const transactionStates = coordinator.all()
      .filter((m) => m.state !== TxnState.Dead)
      .filter((m) => allowedTransactionalId(ctx, Operation.DESCRIBE, m.transactionalId))
      .filter((m) => states.size === 0 || states.has(TXN_STATE_NAMES[m.state]))
      .filter((m) => pids.size === 0 || pids.has(m.producerId))
      .filter((m) => pattern === undefined || pattern.test(m.transactionalId))
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
