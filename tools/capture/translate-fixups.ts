// Per-API reshaping for translate.ts: what a newer request must lose (or move) to be encodable
// at the mock's older version, and how an older answer becomes the newer shape the client
// expects (batched FindCoordinator / OffsetFetch, topic ids in Metadata and Fetch).
import { createHash } from 'node:crypto'
import { ZERO_UUID } from '../../src/protocol/primitives/index.ts'
import type { FetchRequest, FetchResponse } from '../../src/protocol/generated/messages/fetch.ts'
import { defaultFindCoordinatorRequest, defaultFindCoordinatorResponse } from '../../src/protocol/generated/messages/find-coordinator.ts'
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../src/protocol/generated/messages/find-coordinator.ts'
import type { LeaveGroupRequest } from '../../src/protocol/generated/messages/leave-group.ts'
import type { MetadataRequest, MetadataResponse } from '../../src/protocol/generated/messages/metadata.ts'
import { defaultOffsetFetchRequest, defaultOffsetFetchResponse } from '../../src/protocol/generated/messages/offset-fetch.ts'
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../src/protocol/generated/messages/offset-fetch.ts'
import type { TxnOffsetCommitRequest } from '../../src/protocol/generated/messages/txn-offset-commit.ts'

/** Stable made-up topic ids (the mock has none): the first 16 bytes of SHA-256 of the name. */
export class TopicIds {
  private names = new Map<string, string>()

  idFor(name: string): string {
    const id = createHash('sha256').update(name).digest().subarray(0, 16).toString('base64url')
    this.names.set(id, name)
    return id
  }

  nameFor(id: string): string {
    const name = this.names.get(id)
    if (name === undefined) throw new Error(`translator: unknown topic id ${id}`)
    return name
  }
}

const FETCH_TOPIC_IDS = 13
const METADATA_TOPIC_IDS = 10

/** Makes a decoded request encodable at an older version (edits it in place). */
export const DOWNGRADE: Record<number, (body: never, ids: TopicIds) => void> = {
  1: (b: FetchRequest, ids: TopicIds) => {
    b.clusterId = null
    b.replicaState = { replicaId: -1, replicaEpoch: -1n }
    b.replicaId = -1
    for (const t of b.topics) {
      if (t.topicId !== ZERO_UUID) t.topic = ids.nameFor(t.topicId)
      t.topicId = ZERO_UUID
      for (const p of t.partitions) p.replicaDirectoryId = ZERO_UUID
    }
    for (const t of b.forgottenTopicsData) {
      if (t.topicId !== ZERO_UUID) t.topic = ids.nameFor(t.topicId)
      t.topicId = ZERO_UUID
    }
  },
  3: (b: MetadataRequest) => {
    b.allowAutoTopicCreation = true
    b.includeClusterAuthorizedOperations = false
    b.includeTopicAuthorizedOperations = false
  },
  9: (b: OffsetFetchRequest) => {
    // v8+ batches groups; older versions name one group at the top level.
    const g = b.groups[0]
    if (g) Object.assign(b, { ...defaultOffsetFetchRequest(), groupId: g.groupId, topics: g.topics })
    b.requireStable = false
  },
  10: (b: FindCoordinatorRequest) => {
    // v4+ batches coordinator keys; older versions carry one key.
    if (b.coordinatorKeys.length) Object.assign(b, { ...defaultFindCoordinatorRequest(), keyType: b.keyType, key: b.coordinatorKeys[0] })
  },
  13: (b: LeaveGroupRequest) => {
    b.memberId = b.members[0]?.memberId ?? b.memberId
    b.members = []
  },
  28: (b: TxnOffsetCommitRequest) => {
    b.generationIdOrMemberEpoch = -1
    b.memberId = ''
    b.groupInstanceId = null
  },
}

/** Turns an older answer into the newer shape; `request` is the client's own (newer) request. */
export const UPGRADE: Record<number, (body: never, request: never, version: number, ids: TopicIds) => object> = {
  1: (b: FetchResponse, _r: FetchRequest, v: number, ids: TopicIds) => {
    if (v >= FETCH_TOPIC_IDS) for (const t of b.responses) [t.topicId, t.topic] = [ids.idFor(t.topic), '']
    return b
  },
  3: (b: MetadataResponse, _r: MetadataRequest, v: number, ids: TopicIds) => {
    if (v >= METADATA_TOPIC_IDS) for (const t of b.topics) if (t.name !== null) t.topicId = ids.idFor(t.name)
    return b
  },
  9: (b: OffsetFetchResponse, r: OffsetFetchRequest, v: number) =>
    v < 8 || r.groups.length === 0
      ? b
      : {
          ...defaultOffsetFetchResponse(),
          throttleTimeMs: b.throttleTimeMs,
          groups: [{ groupId: r.groups[0].groupId, topics: b.topics, errorCode: b.errorCode }],
        },
  10: (b: FindCoordinatorResponse, r: FindCoordinatorRequest, v: number) =>
    v < 4
      ? b
      : {
          ...defaultFindCoordinatorResponse(),
          throttleTimeMs: b.throttleTimeMs,
          coordinators: r.coordinatorKeys.map((key) => ({
            key,
            nodeId: b.nodeId,
            host: b.host,
            port: b.port,
            errorCode: b.errorCode,
            errorMessage: b.errorMessage,
          })),
        },
}
