// ListPartitionReassignments (key 46), v0: the reassignments in progress (replicas, adding and
// removing ones) for the listed partitions, or for every partition when the list is null; from
// the metadata image, so any broker answers.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, ListPartitionReassignmentsResponseOngoingPartitionReassignment } from '../../protocol/generated/messages/list-partition-reassignments.ts'
import type { PartitionState } from '../cluster/metadata-image.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const listPartitionReassignmentsHandler = defineHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    if (!allowedCluster(ctx, Operation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', topics: [] }
    }
    const image = ctx.broker.metadata.image
    const states: PartitionState[] = request.topics === null
      ? [...image.topics()].flatMap((t) => [...t.states])
      : request.topics.flatMap((t) => t.partitionIndexes.map((i) => image.partition(t.name, i)).filter((s) => s !== undefined))
    const byTopic = new Map<string, ListPartitionReassignmentsResponseOngoingPartitionReassignment[]>()
    for (const s of states) {
      if (!(s.addingReplicas?.length || s.removingReplicas?.length)) continue
      let list = byTopic.get(s.topic)
      if (!list) byTopic.set(s.topic, list = [])
      list.push({ partitionIndex: s.partition, replicas: [...s.replicas], addingReplicas: [...(s.addingReplicas ?? [])], removingReplicas: [...(s.removingReplicas ?? [])] })
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }
  },
})
