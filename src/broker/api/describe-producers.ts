// DescribeProducers (key 61), v0: the producer state each partition keeps (idempotence and open
// transactions), from storage's ProducerStateManager.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DescribeProducersRequest, DescribeProducersResponse } from '../../protocol/generated/messages/describe-producers.ts'
import { defineHandler } from './handler.ts'
import { allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const describeProducersHandler = defineHandler<DescribeProducersRequest, DescribeProducersResponse>({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((index) => {
        if (!allowedTopic(ctx, Operation.READ, t.name)) {
          return { partitionIndex: index, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] }
        }
        const p = ctx.broker.replicas.partition(t.name, index)
        if (!p) {
          return { partitionIndex: index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] }
        }
        const activeProducers = [...p.activeProducers()].map((e) => ({
          producerId: BigInt(e.producerId),
          producerEpoch: e.epoch,
          lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
          lastTimestamp: BigInt(e.lastTimestamp),
          coordinatorEpoch: e.coordinatorEpoch,
          currentTxnStartOffset: BigInt(e.currentTxnFirstOffset),
        }))
        return { partitionIndex: index, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers }
      }),
    }))
    return { throttleTimeMs: 0, topics }
  },
})
