// OffsetFetch (key 9), every version 0-10. v2+ may ask for every partition (null topics) and carry
// a top-level error; v8+ ask for several groups at once; v10 names topics by id only (KIP-848): an
// unknown id answers UNKNOWN_TOPIC_ID for each partition asked, and answers carry ids, not names. Partitions without a committed offset get
// offset -1 and empty metadata. requireStable (v7+): partitions with transactional offsets still
// pending (src/broker/coordinator/group/txn-offsets.ts) answer UNSTABLE_OFFSET_COMMIT, which clients retry.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponseOffsetFetchResponseTopic,
} from '../../protocol/generated/messages/offset-fetch.ts'
import { pendingTxnOffsets } from '../coordinator/group/group-of.ts'
import type { FetchedOffset } from '../coordinator/group/results.ts'
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.ts'
import { defineHandler } from './handler.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

type Unstable = ((topic: string, partition: number) => boolean) | undefined

function byTopic(offsets: readonly FetchedOffset[], unstable?: Unstable): OffsetFetchResponseOffsetFetchResponseTopic[] {
  const out = new Map<string, OffsetFetchResponseOffsetFetchResponseTopic>()
  for (const o of offsets) {
    let t = out.get(o.topic)
    if (!t) out.set(o.topic, t = { name: o.topic, partitions: [] })
    t.partitions.push({
      partitionIndex: o.partition,
      committedOffset: BigInt(o.offset),
      committedLeaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      errorCode: unstable?.(o.topic, o.partition) ? ErrorCode.UNSTABLE_OFFSET_COMMIT : o.errorCode,
    })
  }
  return [...out.values()]
}

function fetchGroup(c: GroupCoordinator, groupId: string, topics: readonly { name: string, partitionIndexes: number[] }[] | null, member?: { memberId: string | null, memberEpoch: number }) {
  return c.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })), member)
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, req, version) {
    const c = ctx.broker.coordinators.group.coordinator
    const deniedGroup = (g: string) => !allowedGroup(ctx, Operation.DESCRIBE, g)
    if (version >= 8 && req.groups.some((g) => deniedGroup(g.groupId))) {
      return { throttleTimeMs: 0, topics: [], errorCode: 0, groups: req.groups.map((g) => ({ groupId: g.groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] })) }
    }
    if (version < 8 && deniedGroup(req.groupId)) return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groups: [] }
    // Answer once the commits received before this fetch are appended (GroupCoordinator.commitsSettled).
    await Promise.all(version >= 8 ? req.groups.map((g) => c.commitsSettled(g.groupId)) : [c.commitsSettled(req.groupId)])
    const pending = version >= 7 && req.requireStable ? await pendingTxnOffsets(ctx.broker) : undefined
    const unstableIn = (groupId: string): Unstable => pending && ((t, p) => pending(groupId, t, p))
    if (version >= 8) {
      const metadata = ctx.broker.metadata
      const groups = req.groups.map((g) => {
        // v10: ids to names; the ids nobody knows are answered on their own.
        const unknown = version >= 10 ? (g.topics ?? []).filter((t) => metadata.topicById(t.topicId) === undefined) : []
        const asked = g.topics === null ? null : version < 10 ? g.topics
          : g.topics.flatMap((t) => { const m = metadata.topicById(t.topicId); return m ? [{ name: m.name, partitionIndexes: t.partitionIndexes }] : [] })
        // v9+: a consumer-protocol member names itself and its epoch (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID).
        const r = fetchGroup(c, g.groupId, asked, version >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : undefined)
        const topics = byTopic(r.offsets, unstableIn(g.groupId)).map((t) => version < 10 ? { ...t, topicId: ZERO_UUID }
          : { ...t, name: '', topicId: metadata.topic(t.name)?.topicId ?? ZERO_UUID })
        for (const t of unknown) {
          topics.push({ name: '', topicId: t.topicId, partitions: t.partitionIndexes.map((partitionIndex) => ({
            partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
          })) })
        }
        return { groupId: g.groupId, errorCode: r.errorCode, topics }
      })
      return { throttleTimeMs: 0, topics: [], errorCode: 0, groups }
    }
    // v0-1 have no null: an empty list is just empty.
    const r = fetchGroup(c, req.groupId, version >= 2 ? req.topics : req.topics ?? [])
    return { throttleTimeMs: 0, topics: byTopic(r.offsets, unstableIn(req.groupId)), errorCode: r.errorCode, groups: [] }
  },
})
