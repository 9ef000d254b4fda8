// ApiVersions (key 18), every version 0-4. The list is built from the handler registry, so an API
// is advertised exactly when a handler serves it, with that handler's range. v3+ requests carry
// the client's software name and version; we accept any value (Kafka rejects names outside
// [a-zA-Z0-9.-] with INVALID_REQUEST, but no client we serve depends on that) and keep them on
// the connection for logs. Versions above 4 are answered by the dispatcher (KIP-511).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { defaultApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import type { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import { defineHandler } from './handler.ts'

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request, version) {
    if (version >= 3) {
      ctx.connection.attributes.set('clientSoftwareName', request.clientSoftwareName)
      ctx.connection.attributes.set('clientSoftwareVersion', request.clientSoftwareVersion)
    }
    const res = defaultApiVersionsResponse()
    res.errorCode = ErrorCode.NONE
    res.apiKeys = ctx.broker.registry.advertised().map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }))
    res.throttleTimeMs = 0
    return res
  },
})
