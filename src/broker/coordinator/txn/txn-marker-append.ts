// The partition leader's side of WriteTxnMarkers (Kafka's KafkaApis.handleWriteTxnMarkersRequest):
// one commit/abort control batch per partition, appended only where this broker leads, stamped
// with the partition's current leader epoch and the coordinator's epoch, and acknowledged only once
// the high watermark covers it (acks=all), so a marker the coordinator counts as written survives
// a leader change. Used for requests from other brokers' coordinators and, without a network
// hop, for the partitions this broker leads itself. Every failure is an error code: retriable ones
// (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, ...) make the coordinator look
// the leader up again and resend; INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED say a
// newer producer epoch or coordinator already wrote there (storage's producer state decides).
import { ErrorCode } from '../../../protocol/errors.ts'
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../../protocol/records/control-record.ts'
import type { BrokerContext } from '../../context.ts'
import { CONSUMER_OFFSETS_TOPIC } from '../../cluster/topic-names.ts'
import { partitionFailure } from '../../api/partition-error.ts'
import type { TopicPartition } from './txn-metadata.ts'

export interface TxnMarker {
  readonly producerId: number
  readonly producerEpoch: number
  readonly commit: boolean
  /** The epoch in which the sender was elected coordinator of the transactional id's partition. */
  readonly coordinatorEpoch: number
}

export interface MarkerResult {
  readonly topic: string
  readonly partition: number
  readonly errorCode: number
}

/** Appends `marker` to each partition this broker leads; one error code per partition. */
export function appendTxnMarkers(ctx: BrokerContext, marker: TxnMarker, partitions: readonly TopicPartition[], timeoutMs: number): Promise<MarkerResult[]> {
  return Promise.all(partitions.map(async (tp) => ({ topic: tp.topic, partition: tp.partition, errorCode: await appendOne(ctx, marker, tp, timeoutMs) })))
}

async function appendOne(ctx: BrokerContext, marker: TxnMarker, tp: TopicPartition, timeoutMs: number): Promise<number> {
  const p = ctx.replicas.partition(tp.topic, tp.partition)
  if (!p) return ctx.metadata.image.partition(tp.topic, tp.partition) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
  if (!p.isLeader) return ErrorCode.NOT_LEADER_OR_FOLLOWER
  try {
    if (tp.topic === CONSUMER_OFFSETS_TOPIC) {
      // The group shard writes it (through its runtime: leader epoch checked, answered once the
      // HW covers it) and applies or drops the transaction's pending offsets.
      await ctx.coordinators.group.completeTransaction(tp.partition, marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, marker.commit)
      return ErrorCode.NONE
    }
    if (p.isr.length < p.settings.minInsyncReplicas) return ErrorCode.NOT_ENOUGH_REPLICAS
    const epoch = p.leaderEpoch
    const result = await p.appendAsCoordinator(buildEndTxnMarkerBatch({
      type: marker.commit ? ControlRecordType.Commit : ControlRecordType.Abort,
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      coordinatorEpoch: marker.coordinatorEpoch,
      timestamp: ctx.clock.now(),
    }))
    const end = result.lastOffset + 1
    if (!(await ctx.replicas.awaitReplication(p, end, timeoutMs, epoch))) {
      return p.isLeader ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_LEADER_OR_FOLLOWER
    }
    return ErrorCode.NONE
  } catch (err) {
    // The group runtime refuses a partition it does not (yet) coordinate: the leader is moving.
    if ((err as { code?: unknown } | null)?.code === 'NOT_LEADER_OR_FOLLOWER') return ErrorCode.NOT_LEADER_OR_FOLLOWER
    return partitionFailure(err).code
  }
}
