// ListOffsets (key 2), v0-11: the offset for a timestamp or one of the special "timestamps" —
// EARLIEST (-2) = log start offset, LATEST (-1) = high watermark (last stable offset for
// read_committed, log end offset for replicas), MAX_TIMESTAMP (-3, v7+) = the record with the
// largest timestamp, EARLIEST_LOCAL (-4, v8+) = log start offset (no tiered storage),
// LATEST_TIERED (-5, v9+) and EARLIEST_PENDING_UPLOAD (-6, v11+, KIP-1023) = none, as on a Kafka
// topic without tiered storage (offset -1, timestamp -1, epoch -1). Timestamp lookups never return an offset above the high
// watermark. v0 answers in the old form (a list of offsets, at most maxNumOffsets).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type {
  ListOffsetsRequest,
  ListOffsetsRequestListOffsetsPartition,
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
  ListOffsetsResponseListOffsetsTopicResponse,
} from '../../protocol/generated/messages/list-offsets.ts'
import { decodeRecordBatch, recordOffset, recordTimestamp } from '../../protocol/records/batch-decoder.ts'
import type { Partition } from '../replica/partition.ts'
import { defineHandler } from './handler.ts'
import type { RequestContext } from './handler.ts'
import { partitionFailure } from './partition-error.ts'
import { allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

const LATEST = -1
const EARLIEST = -2
const MAX_TIMESTAMP = -3
const EARLIEST_LOCAL = -4
const LATEST_TIERED = -5
const EARLIEST_PENDING_UPLOAD = -6
const READ_COMMITTED = 1
const CONSUMER = -1

interface Found {
  offset: number
  timestamp: number
  leaderEpoch: number
}
const NOT_FOUND: Found = { offset: -1, timestamp: -1, leaderEpoch: -1 }

function answer(index: number, errorCode: number, version: number, found: Found = NOT_FOUND): ListOffsetsResponseListOffsetsPartitionResponse {
  // Fields outside a version must keep their defaults (the codec refuses anything else).
  const v0 = version === 0
  return {
    partitionIndex: index,
    errorCode,
    oldStyleOffsets: v0 && errorCode === ErrorCode.NONE && found.offset >= 0 ? [BigInt(found.offset)] : [],
    timestamp: v0 ? -1n : BigInt(found.timestamp),
    offset: v0 ? -1n : BigInt(found.offset),
    leaderEpoch: version >= 4 ? found.leaderEpoch : -1,
  }
}

async function lookup(p: Partition, timestamp: number, upper: number): Promise<Found> {
  switch (timestamp) {
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { offset: p.logStartOffset, timestamp: -1, leaderEpoch: p.leaderEpoch }
    case LATEST:
      return { offset: upper, timestamp: -1, leaderEpoch: p.leaderEpoch }
    case LATEST_TIERED:
    case EARLIEST_PENDING_UPLOAD:
      return NOT_FOUND
    case MAX_TIMESTAMP: {
      const r = await p.maxTimestamp()
      return r ? exactRecord(p, r.offset, r.timestamp, p.highWatermark) : NOT_FOUND
    }
    default: {
      const r = await p.offsetForTimestamp(timestamp, upper)
      return r ? exactRecord(p, r.offset, timestamp, upper) : NOT_FOUND
    }
  }
}

/**
 * Storage finds the batch; Kafka answers with the first record in it whose timestamp is >= the
 * target, so that batch is decoded (ListOffsets by time is rare: not a hot path).
 */
async function exactRecord(p: Partition, batchOffset: number, target: number, upper: number): Promise<Found> {
  const read = await p.readBatchAt(batchOffset, 1, upper)
  const buf = read.batches[0]
  if (buf && buf.length > 0) {
    const batch = decodeRecordBatch(buf, 0)
    for (const rec of batch.records) {
      const ts = recordTimestamp(batch, rec)
      const offset = recordOffset(batch, rec)
      if (ts >= target && offset >= p.logStartOffset && offset < upper) return { offset, timestamp: ts, leaderEpoch: p.leaderEpoch }
    }
  }
  return NOT_FOUND
}

const DEBUG_REPLICA_ID = -2

async function listPartition(ctx: RequestContext, request: ListOffsetsRequest, topic: string,
  req: ListOffsetsRequestListOffsetsPartition, version: number): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const p = ctx.broker.metadata.topic(topic) ? ctx.broker.replicas.partition(topic, req.partitionIndex) : undefined
  if (!p) return answer(req.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, version)
  // Consumers ask the leader; replica id -2 (Kafka's debugging id) may ask any replica.
  if (!p.isLeader && request.replicaId !== DEBUG_REPLICA_ID) return answer(req.partitionIndex, ErrorCode.NOT_LEADER_OR_FOLLOWER, version)
  if (version >= 4 && req.currentLeaderEpoch >= 0 && req.currentLeaderEpoch !== p.leaderEpoch) {
    return answer(req.partitionIndex, req.currentLeaderEpoch > p.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH, version)
  }
  const timestamp = Number(req.timestamp)
  if (timestamp < EARLIEST_PENDING_UPLOAD || (timestamp === MAX_TIMESTAMP && version < 7) || (timestamp === EARLIEST_LOCAL && version < 8) ||
    (timestamp === LATEST_TIERED && version < 9) || (timestamp === EARLIEST_PENDING_UPLOAD && version < 11)) {
    return answer(req.partitionIndex, ErrorCode.UNSUPPORTED_VERSION, version)
  }
  const upper = request.replicaId !== CONSUMER ? p.logEndOffset
    : version >= 2 && request.isolationLevel === READ_COMMITTED ? p.lastStableOffset : p.highWatermark
  try {
    const found = await lookup(p, timestamp, upper)
    if (version === 0 && req.maxNumOffsets <= 0) return { ...answer(req.partitionIndex, ErrorCode.NONE, version, found), oldStyleOffsets: [] }
    return answer(req.partitionIndex, ErrorCode.NONE, version, found)
  } catch (err) {
    const f = partitionFailure(err)
    if (f.unexpected) ctx.log.error({ err, topic, partition: req.partitionIndex }, 'list offsets failed')
    return answer(req.partitionIndex, f.code, version)
  }
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 11,
  async handle(ctx, request, version) {
    const topics: ListOffsetsResponseListOffsetsTopicResponse[] = []
    for (const t of request.topics) {
      const partitions = allowedTopic(ctx, Operation.DESCRIBE, t.name)
        ? await Promise.all(t.partitions.map((p) => listPartition(ctx, request, t.name, p, version)))
        : t.partitions.map((p) => answer(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED, version))
      topics.push({ name: t.name, partitions })
    }
    return { throttleTimeMs: 0, topics }
  },
})
