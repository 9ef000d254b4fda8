// AddPartitionsToTxn (key 24), v0-5. v0-3: one transaction; v4+: the batched form (a list of
// transactions, each optionally verify-only). Kafka reserves v4+ for brokers, but clients that
// see it advertised (platformatic) send it, so it is served like v3 per transaction.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../protocol/generated/messages/add-partitions-to-txn.ts'
import type { PartitionResult } from '../coordinator/txn/txn-coordinator.ts'
import { defineHandler } from './handler.ts'
import { fencedForVersion } from './txn-common.ts'
import type { RequestContext } from './handler.ts'
import { allowedTopic, allowedTransactionalId } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { isInternalTopic } from '../cluster/topic-names.ts'
import { TV2 } from '../coordinator/txn/txn-metadata.ts'

function byTopic(results: readonly PartitionResult[], version: number): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  const map = new Map<string, AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult>()
  for (const r of results) {
    let t = map.get(r.topic)
    if (!t) map.set(r.topic, (t = { name: r.topic, resultsByPartition: [] }))
    t.resultsByPartition.push({ partitionIndex: r.partition, partitionErrorCode: fencedForVersion(r.errorCode, version, 2) })
  }
  return [...map.values()]
}

function flatten(topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[]) {
  const out: { topic: string, partition: number }[] = []
  const seen = new Set<string>()
  for (const t of topics) {
    for (const p of t.partitions) {
      const k = `${t.name}\u0000${p}`
      if (seen.has(k)) continue
      seen.add(k)
      out.push({ topic: t.name, partition: p })
    }
  }
  return out
}

/**
 * Kafka's checks for a client's transaction: WRITE on the transactional id (else every partition
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED), WRITE on each topic (internal ones never); one refused
 * topic fails the whole transaction, the others answer OPERATION_NOT_ATTEMPTED. Null: all allowed.
 */
function refused(ctx: RequestContext, transactionalId: string, partitions: readonly { topic: string, partition: number }[]): PartitionResult[] | null {
  if (!ctx.broker.security.authorizer) return null
  if (!allowedTransactionalId(ctx, Operation.WRITE, transactionalId)) {
    return partitions.map((p) => ({ ...p, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED }))
  }
  const denied = new Set(partitions.map((p) => p.topic).filter((t) => isInternalTopic(t) || !allowedTopic(ctx, Operation.WRITE, t)))
  if (denied.size === 0) return null
  return partitions.map((p) => ({ ...p, errorCode: denied.has(p.topic) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED }))
}

export const addPartitionsToTxnHandler = defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    const coordinator = ctx.broker.coordinators.txn.coordinator
    if (version < 4) {
      const partitions = flatten(request.v3AndBelowTopics)
      const results = refused(ctx, request.v3AndBelowTransactionalId, partitions) ?? await coordinator.addPartitions(request.v3AndBelowTransactionalId,
        Number(request.v3AndBelowProducerId), request.v3AndBelowProducerEpoch, partitions)
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: byTopic(results, version) }
    }
    const resultsByTransaction = await Promise.all(request.transactions.map(async (t) => {
      const partitions = flatten(t.topics)
      // v4+ comes from partition leaders; an add (not a verification) is transaction version 2's
      // implicit add (Kafka reads the version from the request's: above 3 is TV2).
      const results = refused(ctx, t.transactionalId, partitions) ?? await coordinator.addPartitions(t.transactionalId, Number(t.producerId), t.producerEpoch, partitions,
        t.verifyOnly, t.verifyOnly ? 0 : TV2)
      return { transactionalId: t.transactionalId, topicResults: byTopic(results, version) }
    }))
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction, resultsByTopicV3AndBelow: [] }
  },
})
