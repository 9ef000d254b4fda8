// ApiVersions (key 18), every version 0-5. The list is built from the handler registry, so an API
// is advertised exactly when a handler serves it, with that handler's range. v3+ requests carry
// the client's software name and version; we accept any value (Kafka rejects names outside
// [a-zA-Z0-9.-] with INVALID_REQUEST, but no client we serve depends on that) and keep them on
// the connection for logs. v5 (KIP-1242) may name the cluster and node the client means to reach:
// when a cluster id is given and it or the node id is not ours, the connection was misrouted and
// the answer is REBOOTSTRAP_REQUIRED (as Kafka checks it). Versions above 5 are answered by the
// dispatcher (KIP-511). v3+ also lists feature flags (features.ts).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { defaultApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import { defineHandler } from './handler.ts'
import { brokerFeatures } from './features.ts'

const CONSUMER_PROTOCOL_APIS = new Set<number>([ApiKey.ConsumerGroupHeartbeat, ApiKey.ConsumerGroupDescribe])
/** The share-group APIs (KIP-932), advertised only while the protocols name `share`. */
const SHARE_PROTOCOL_APIS = new Set<number>([ApiKey.ShareGroupHeartbeat, ApiKey.ShareGroupDescribe, ApiKey.ShareFetch, ApiKey.ShareAcknowledge, ApiKey.DescribeShareGroupOffsets, ApiKey.AlterShareGroupOffsets, ApiKey.DeleteShareGroupOffsets])

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request, version) {
    if (version >= 3) {
      ctx.connection.attributes.set('clientSoftwareName', request.clientSoftwareName)
      ctx.connection.attributes.set('clientSoftwareVersion', request.clientSoftwareVersion)
    }
    const res = defaultApiVersionsResponse()
    if (version >= 5 && request.clusterId !== null && (request.clusterId !== ctx.broker.clusterId || request.nodeId !== ctx.broker.nodeId)) {
      res.errorCode = ErrorCode.REBOOTSTRAP_REQUIRED
      return res
    }
    res.errorCode = ErrorCode.NONE
    // The consumer-group APIs only while group.coordinator.rebalance.protocols names `consumer`
    // (clients then stay on the classic protocol, as with Kafka).
    const protocols = ctx.broker.config.list('group.coordinator.rebalance.protocols')
    const consumerProtocol = protocols.includes('consumer')
    const shareProtocol = protocols.includes('share')
    res.apiKeys = ctx.broker.registry.advertised()
      .filter((a) => (consumerProtocol || !CONSUMER_PROTOCOL_APIS.has(a.apiKey)) && (shareProtocol || !SHARE_PROTOCOL_APIS.has(a.apiKey))).map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }))
    res.throttleTimeMs = 0
    if (version >= 3) {
      const f = brokerFeatures(ctx.broker.metadata.image)
      res.supportedFeatures = f.supported
      res.finalizedFeatures = f.finalized
      res.finalizedFeaturesEpoch = f.epoch
    }
    return res
  },
})
