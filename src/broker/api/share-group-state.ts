// The share coordinator's inter-broker RPCs (KIP-932), sent by share-partition leaders and group
// coordinators through their persister (share/share-state-persister.ts):
// InitializeShareGroupState (key 83) v0, ReadShareGroupState (84) v0, WriteShareGroupState (85)
// v0-1 (v1: DeliveryCompleteCount), DeleteShareGroupState (86) v0, ReadShareGroupStateSummary
// (87) v0-1. Brokers only: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED for
// every partition. Each partition is one shard operation of the share coordinator
// (coordinator/share/share-coordinator-service.ts): NOT_COORDINATOR when its __share_group_state
// partition is not led here, COORDINATOR_LOAD_IN_PROGRESS while that partition replays.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DeleteShareGroupStateRequest, DeleteShareGroupStateResponse } from '../../protocol/generated/messages/delete-share-group-state.ts'
import type { InitializeShareGroupStateRequest, InitializeShareGroupStateResponse } from '../../protocol/generated/messages/initialize-share-group-state.ts'
import type { ReadShareGroupStateSummaryRequest, ReadShareGroupStateSummaryResponse } from '../../protocol/generated/messages/read-share-group-state-summary.ts'
import type { ReadShareGroupStateRequest, ReadShareGroupStateResponse, ReadShareGroupStateResponsePartitionResult } from '../../protocol/generated/messages/read-share-group-state.ts'
import type { WriteShareGroupStateRequest, WriteShareGroupStateResponse } from '../../protocol/generated/messages/write-share-group-state.ts'
import type { ShareCoordinatorService } from '../coordinator/share/share-coordinator-service.ts'
import type { ShareStateResult } from '../coordinator/share/share-state-results.ts'
import { Operation } from '../security/acl/acl.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { defineHandler } from './handler.ts'
import type { RequestContext } from './handler.ts'
import { isSafeInt64 } from './int64.ts'

interface PerPartition<P, R> {
  readonly groupId: string
  readonly topics: readonly { readonly topicId: string, readonly partitions: readonly P[] }[]
  /** The partition's answer (the request checks passed). */
  readonly run: (svc: ShareCoordinatorService, groupId: string, topicId: string, p: P) => Promise<R>
  /** The partition's answer carrying only an error. */
  readonly fail: (p: P, error: ShareStateResult) => R
}

/** Runs every partition of a share-state request; the request-level checks fail them all alike. */
async function perPartition<P, R>(ctx: RequestContext, o: PerPartition<P, R>): Promise<{ results: { topicId: string, partitions: R[] }[] }> {
  const gate: ShareStateResult | null = !allowedCluster(ctx, Operation.CLUSTER_ACTION)
    ? { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null }
    : o.groupId === '' ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Group id must be set.' } : null
  const svc = ctx.broker.coordinators.share
  const results = await Promise.all(o.topics.map(async (t) => ({
    topicId: t.topicId,
    partitions: await Promise.all(t.partitions.map((p) => gate ? o.fail(p, gate) : o.run(svc, o.groupId, t.topicId, p))),
  })))
  return { results }
}

export const initializeShareGroupStateHandler = defineHandler<InitializeShareGroupStateRequest, InitializeShareGroupStateResponse>({
  apiKey: ApiKey.InitializeShareGroupState,
  minVersion: 0,
  maxVersion: 0,
  handle: (ctx, req) => perPartition(ctx, {
    groupId: req.groupId,
    topics: req.topics,
    run: async (svc, groupId, topicId, p) => ({
      partition: p.partition,
      ...(isSafeInt64(p.startOffset)
        ? await svc.initializeState({ groupId, topicId, partition: p.partition }, p.stateEpoch, Number(p.startOffset))
        : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Start offset out of range.' }),
    }),
    fail: (p, e) => ({ partition: p.partition, ...e }),
  }),
})

const readFailure = (partition: number, e: ShareStateResult): ReadShareGroupStateResponsePartitionResult =>
  ({ partition, ...e, stateEpoch: 0, startOffset: -1n, stateBatches: [] })

export const readShareGroupStateHandler = defineHandler<ReadShareGroupStateRequest, ReadShareGroupStateResponse>({
  apiKey: ApiKey.ReadShareGroupState,
  minVersion: 0,
  maxVersion: 0,
  handle: (ctx, req) => perPartition(ctx, {
    groupId: req.groupId,
    topics: req.topics,
    run: async (svc, groupId, topicId, p) => {
      const r = await svc.readState({ groupId, topicId, partition: p.partition }, p.leaderEpoch)
      if (!r.state) return readFailure(p.partition, r)
      return {
        partition: p.partition, errorCode: r.errorCode, errorMessage: r.errorMessage, stateEpoch: r.state.stateEpoch, startOffset: BigInt(r.state.startOffset),
        stateBatches: r.state.batches.map((b) => ({ firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
      }
    },
    fail: (p, e) => readFailure(p.partition, e),
  }),
})

export const writeShareGroupStateHandler = defineHandler<WriteShareGroupStateRequest, WriteShareGroupStateResponse>({
  apiKey: ApiKey.WriteShareGroupState,
  minVersion: 0,
  maxVersion: 1,
  handle: (ctx, req, version) => perPartition(ctx, {
    groupId: req.groupId,
    topics: req.topics,
    run: async (svc, groupId, topicId, p) => {
      const offsets = [p.startOffset, ...p.stateBatches.flatMap((b) => [b.firstOffset, b.lastOffset])]
      if (!offsets.every(isSafeInt64)) return { partition: p.partition, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Offset out of range.' }
      return {
        partition: p.partition,
        ...await svc.writeState({ groupId, topicId, partition: p.partition }, {
          startOffset: Number(p.startOffset), stateEpoch: p.stateEpoch, leaderEpoch: p.leaderEpoch,
          // v0 does not carry it (-1: unknown).
          deliveryCompleteCount: version >= 1 ? p.deliveryCompleteCount : -1,
          batches: p.stateBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
        }),
      }
    },
    fail: (p, e) => ({ partition: p.partition, ...e }),
  }),
})

export const deleteShareGroupStateHandler = defineHandler<DeleteShareGroupStateRequest, DeleteShareGroupStateResponse>({
  apiKey: ApiKey.DeleteShareGroupState,
  minVersion: 0,
  maxVersion: 0,
  handle: (ctx, req) => perPartition(ctx, {
    groupId: req.groupId,
    topics: req.topics,
    run: async (svc, groupId, topicId, p) => ({ partition: p.partition, ...await svc.deleteState({ groupId, topicId, partition: p.partition }) }),
    fail: (p, e) => ({ partition: p.partition, ...e }),
  }),
})

export const readShareGroupStateSummaryHandler = defineHandler<ReadShareGroupStateSummaryRequest, ReadShareGroupStateSummaryResponse>({
  apiKey: ApiKey.ReadShareGroupStateSummary,
  minVersion: 0,
  maxVersion: 1,
  handle: (ctx, req) => perPartition(ctx, {
    groupId: req.groupId,
    topics: req.topics,
    run: async (svc, groupId, topicId, p) => {
      const r = await svc.readStateSummary({ groupId, topicId, partition: p.partition })
      return {
        partition: p.partition, errorCode: r.errorCode, errorMessage: r.errorMessage, stateEpoch: r.stateEpoch, leaderEpoch: r.leaderEpoch,
        startOffset: BigInt(r.startOffset), deliveryCompleteCount: r.deliveryCompleteCount,
      }
    },
    fail: (p, e) => ({ partition: p.partition, ...e, stateEpoch: 0, leaderEpoch: -1, startOffset: -1n, deliveryCompleteCount: -1 }),
  }),
})
