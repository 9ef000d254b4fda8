// OffsetForLeaderEpoch (key 23), v0-4: the end offset of a leader epoch — the start offset of the
// next higher epoch, or the log end offset for the current one — so a consumer or follower can
// detect log divergence after a leader change; followers truncate to it before fetching
// (replica/replica-fetcher.ts). Answered by the leader only (replica id -2, Kafka's debug id, may
// ask a follower); epochs above the current one are unknown (UNDEFINED epoch/offset).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderEpochResponseEpochEndOffset,
} from '../../protocol/generated/messages/offset-for-leader-epoch.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster, allowedTopic } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

const DEBUG_REPLICA_ID = -2

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request, version) {
    const { metadata, replicas } = ctx.broker
    const answer = (partition: number, errorCode: number, epoch = -1, endOffset = -1): OffsetForLeaderEpochResponseEpochEndOffset =>
      ({ errorCode, partition, leaderEpoch: version >= 1 ? epoch : -1, endOffset: BigInt(endOffset) })
    // As Kafka: followers (CLUSTER_ACTION) may ask about any topic, consumers (KIP-320) about those they may describe.
    const replica = allowedCluster(ctx, Operation.CLUSTER_ACTION)
    const topics = request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((req) => {
        if (!replica && !allowedTopic(ctx, Operation.DESCRIBE, t.topic)) return answer(req.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
        const p = metadata.topic(t.topic) ? replicas.partition(t.topic, req.partition) : undefined
        if (!p) return answer(req.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
        if (!p.isLeader && !(version >= 3 && request.replicaId === DEBUG_REPLICA_ID)) return answer(req.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER)
        if (version >= 2 && req.currentLeaderEpoch >= 0 && req.currentLeaderEpoch !== p.leaderEpoch) {
          return answer(req.partition, req.currentLeaderEpoch > p.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH)
        }
        if (req.leaderEpoch === p.leaderEpoch) return answer(req.partition, ErrorCode.NONE, p.leaderEpoch, p.logEndOffset)
        if (req.leaderEpoch > p.leaderEpoch) return answer(req.partition, ErrorCode.NONE)
        const r = p.endOffsetForEpoch(req.leaderEpoch)
        return answer(req.partition, ErrorCode.NONE, r.epoch, r.endOffset)
      }),
    }))
    return { throttleTimeMs: 0, topics }
  },
})
