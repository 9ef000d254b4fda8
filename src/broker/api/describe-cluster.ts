// DescribeCluster (key 60), versions 0-2: this node as the only broker and the controller (never
// fenced, so v2's includeFencedBrokers changes nothing). A
// broker listener describes brokers; asking it for controllers (endpoint type 2) is
// MISMATCHED_ENDPOINT_TYPE as in Kafka, any other type UNSUPPORTED_ENDPOINT_TYPE.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { defaultDescribeClusterResponse } from '../../protocol/generated/messages/describe-cluster.ts'
import type { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/generated/messages/describe-cluster.ts'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../cluster/authorized-operations.ts'
import { authorizedOperations } from '../security/acl/check.ts'
import { CLUSTER_NAME, ResourceType } from '../security/acl/acl.ts'
import { clusterEndpoints } from './broker-endpoint.ts'
import { controllerId } from './broker-endpoint.ts'
import { defineHandler } from './handler.ts'

const BROKERS = 1
const CONTROLLERS = 2

export const describeClusterHandler = defineHandler<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, request, version) {
    const res = defaultDescribeClusterResponse()
    res.throttleTimeMs = 0
    res.clusterId = ctx.broker.clusterId
    const type = version >= 1 ? request.endpointType : BROKERS
    res.endpointType = type
    if (type !== BROKERS) {
      res.errorCode = type === CONTROLLERS ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE
      res.errorMessage = type === CONTROLLERS
        ? 'The request was sent to a broker endpoint, but asked for controllers.'
        : `Unsupported endpoint type ${type}.`
      return res
    }
    res.errorCode = ErrorCode.NONE
    res.errorMessage = null
    res.controllerId = controllerId(ctx.broker.metadata.image, ctx.broker.nodeId)
    res.brokers = clusterEndpoints(ctx).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isFenced: false }))
    res.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : AUTHORIZED_OPERATIONS_OMITTED
    return res
  },
})
