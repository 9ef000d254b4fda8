// FindCoordinator (key 10), every version 0-6. v4+ batches keys. Key type 0 (group) is served by
// the group coordinator (creating __consumer_offsets on first use), type 1 by the transaction
// coordinator, type 2 (v6+, brokers only: CLUSTER_ACTION, key "group:topicId:partition") by the
// share coordinator (src/broker/coordinator/coordinators.ts); an unknown type, or a share key
// before v6 or malformed, answers INVALID_REQUEST. The answer names the leader of the key's
// partition of the internal topic (this node on a single node).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode, errorInfo } from '../../protocol/errors.ts'
import type { FindCoordinatorRequest, FindCoordinatorResponse, FindCoordinatorResponseCoordinator } from '../../protocol/generated/messages/find-coordinator.ts'
import { COORDINATOR_KEY_TYPE_GROUP, COORDINATOR_KEY_TYPE_SHARE, COORDINATOR_KEY_TYPE_TRANSACTION } from '../coordinator/coordinators.ts'
import { validShareKey } from '../coordinator/share/share-coordinator-service.ts'
import { clusterEndpoints } from './broker-endpoint.ts'
import { defineHandler } from './handler.ts'
import type { RequestContext } from './handler.ts'
import { allowed, allowedCluster, allowedGroup } from '../security/acl/check.ts'
import { Operation, ResourceType } from '../security/acl/acl.ts'

async function locate(ctx: RequestContext, key: string, keyType: number, version: number): Promise<FindCoordinatorResponseCoordinator> {
  let code: number
  if (keyType !== COORDINATOR_KEY_TYPE_GROUP && keyType !== COORDINATOR_KEY_TYPE_TRANSACTION && keyType !== COORDINATOR_KEY_TYPE_SHARE) code = ErrorCode.INVALID_REQUEST
  else if (keyType === COORDINATOR_KEY_TYPE_SHARE && version < 6) code = ErrorCode.INVALID_REQUEST
  else if (keyType === COORDINATOR_KEY_TYPE_SHARE && !allowedCluster(ctx, Operation.CLUSTER_ACTION)) code = ErrorCode.CLUSTER_AUTHORIZATION_FAILED
  else if (keyType === COORDINATOR_KEY_TYPE_SHARE && !validShareKey(key)) code = ErrorCode.INVALID_REQUEST
  else if (keyType === COORDINATOR_KEY_TYPE_GROUP && !allowedGroup(ctx, Operation.DESCRIBE, key)) code = ErrorCode.GROUP_AUTHORIZATION_FAILED
  else if (keyType === COORDINATOR_KEY_TYPE_TRANSACTION && !allowed(ctx, Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
    code = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  } else {
    const svc = ctx.broker.coordinators.forKeyType(keyType)
    code = svc ? await svc.locate(key) : ErrorCode.COORDINATOR_NOT_AVAILABLE
  }
  const fail = (c: number): FindCoordinatorResponseCoordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode: c, errorMessage: errorInfo(c).message })
  if (code !== ErrorCode.NONE) return fail(code)
  // The coordinator is the leader of the key's internal-topic partition.
  const svc = ctx.broker.coordinators.forKeyType(keyType)!
  const state = ctx.broker.metadata.image.partition(svc.runtime.topic, svc.partitionFor(key))
  const leader = state ? clusterEndpoints(ctx).find((b) => b.nodeId === state.leader) : undefined
  if (!leader) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  return { key, nodeId: leader.nodeId, host: leader.host, port: leader.port, errorCode: ErrorCode.NONE, errorMessage: null }
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request, version) {
    const keyType = version >= 1 ? request.keyType : COORDINATOR_KEY_TYPE_GROUP
    if (version >= 4) {
      const coordinators = await Promise.all(request.coordinatorKeys.map((k) => locate(ctx, k, keyType, version)))
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: '', port: 0, coordinators }
    }
    const c = await locate(ctx, request.key, keyType, version)
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port, coordinators: [] }
  },
})
