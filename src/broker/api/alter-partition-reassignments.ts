// AlterPartitionReassignments (key 45), v0-1: start, change or cancel (replicas null) the
// reassignment of each listed partition (cluster/reassignment.ts). The receiving broker writes
// it itself, guarded by the partition's mod revision (ADR 0005: no forwarding), and answers once
// its image shows it; the data is then copied by replication and the controller completes the
// move when the new replicas are in sync. v1's allowReplicationFactorChange=false refuses a
// target with another replica count.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../protocol/generated/messages/alter-partition-reassignments.ts'
import { ELECTION_BATCH } from '../cluster/failover-controller.ts'
import type { PartitionChange } from '../cluster/leader-election.ts'
import { originalReplicas, reassign } from '../cluster/reassignment.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

interface Result { errorCode: number, errorMessage: string | null }

export const alterPartitionReassignmentsHandler = defineHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request, version) {
    if (!allowedCluster(ctx, Operation.ALTER)) {
      return { throttleTimeMs: 0, allowReplicationFactorChange: request.allowReplicationFactorChange, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', responses: [] }
    }
    const image = ctx.broker.metadata.image
    const allowRfChange = version < 1 || request.allowReplicationFactorChange
    const results = new Map<string, Result>()
    const key = (topic: string, partition: number) => `${topic}\u0000${partition}`
    const changes: PartitionChange[] = []
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const s = image.partition(t.name, p.partitionIndex)
        let r: Result = { errorCode: ErrorCode.NONE, errorMessage: null }
        if (!s) r = { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' }
        else if (p.replicas !== null && !allowRfChange && p.replicas.length !== originalReplicas(s).length) {
          r = { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'the reassignment would change the replication factor' }
        } else {
          const o = reassign(image, s, p.replicas)
          if ('errorCode' in o) r = { errorCode: o.errorCode, errorMessage: o.message }
          else if (o.change) changes.push(o.change)
        }
        results.set(key(t.name, p.partitionIndex), r)
      }
    }
    const written = new Set(await ctx.broker.controller.writeElections(changes, ELECTION_BATCH))
    for (const c of changes) {
      if (!written.has(c)) results.set(key(c.prev.topic, c.prev.partition), { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'the partition changed meanwhile; retry' })
    }
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: request.allowReplicationFactorChange,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, ...results.get(key(t.name, p.partitionIndex))! })),
      })),
    }
  },
})
