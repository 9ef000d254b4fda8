// WriteTxnMarkers (key 27), v0-2: a transaction coordinator on another broker (or a tool) asks
// this broker, as leader, to end a producer's transaction in the listed partitions. Each marker is
// appended as a control batch in the partition's current leader epoch and answered once replicated
// (coordinator/txn/txn-marker-append.ts); every problem is a per-partition error code the
// coordinator retries or accepts. The transaction version field (v2, KIP-1228) changes nothing
// here: markers of transaction versions 0-2 are the same control batch.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/generated/messages/write-txn-markers.ts'
import { appendTxnMarkers } from '../coordinator/txn/txn-marker-append.ts'
import { defineHandler } from './handler.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { isSafeInt64 } from './int64.ts'

export const writeTxnMarkersHandler = defineHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>({
  apiKey: ApiKey.WriteTxnMarkers,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    // Only brokers (and super users) write markers: CLUSTER_ACTION on the cluster, as Kafka.
    if (!allowedCluster(ctx, Operation.CLUSTER_ACTION)) {
      return { markers: request.markers.map((m) => ({ producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED })) })) })) }
    }
    const timeoutMs = ctx.broker.config.int('request.timeout.ms')
    const markers = await Promise.all(request.markers.map(async (m) => {
      // The producer id is written into the marker batch: it must be exact (ADR 0001).
      if (!isSafeInt64(m.producerId)) {
        return { producerId: m.producerId, topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: ErrorCode.INVALID_REQUEST })) })) }
      }
      const partitions = m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })))
      const results = await appendTxnMarkers(ctx.broker, {
        producerId: Number(m.producerId), producerEpoch: m.producerEpoch, commit: m.transactionResult, coordinatorEpoch: m.coordinatorEpoch,
      }, partitions, timeoutMs)
      const byTopic = new Map<string, { partitionIndex: number, errorCode: number }[]>()
      for (const r of results) {
        let list = byTopic.get(r.topic)
        if (!list) byTopic.set(r.topic, list = [])
        list.push({ partitionIndex: r.partition, errorCode: r.errorCode })
      }
      return { producerId: m.producerId, topics: [...byTopic].map(([name, parts]) => ({ name, partitions: parts })) }
    }))
    return { markers }
  },
})
