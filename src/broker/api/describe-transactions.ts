// DescribeTransactions (key 65), v0: state, producer, timeout and partitions of transactional ids.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../protocol/generated/messages/describe-transactions.ts'
import { TXN_STATE_NAMES } from '../coordinator/txn/txn-metadata.ts'
import { defineHandler } from './handler.ts'
import { allowedTransactionalId } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const coordinator = ctx.broker.coordinators.txn.coordinator
    const transactionStates = request.transactionalIds.map((id) => {
      if (!allowedTransactionalId(ctx, Operation.DESCRIBE, id)) {
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: '', transactionTimeoutMs: 0,
          transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] }
      }
      const m = coordinator.isLoading ? undefined : coordinator.describe(id)
      const byTopic = new Map<string, number[]>()
      for (const tp of m?.partitions.values() ?? []) {
        let list = byTopic.get(tp.topic)
        if (!list) byTopic.set(tp.topic, (list = []))
        list.push(tp.partition)
      }
      return {
        errorCode: coordinator.isLoading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : m ? ErrorCode.NONE : ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
        transactionalId: id,
        transactionState: m ? TXN_STATE_NAMES[m.state] : '',
        transactionTimeoutMs: m?.timeoutMs ?? 0,
        transactionStartTimeMs: BigInt(m?.txnStartTimestamp ?? -1),
        producerId: BigInt(m?.producerId ?? -1),
        producerEpoch: m?.producerEpoch ?? -1,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      }
    })
    return { throttleTimeMs: 0, transactionStates }
  },
})
