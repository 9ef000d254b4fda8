// IncrementalAlterConfigs (key 44), versions 0-1: SET / DELETE / APPEND / SUBTRACT (the last two
// for list configs only) on a topic's overrides or a dynamic broker layer (name = node id: this
// broker; "": cluster-wide). validateOnly checks and changes nothing; each resource succeeds or
// fails as a whole.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
} from '../../protocol/generated/messages/incremental-alter-configs.ts'
import { configAdminOf } from '../cluster/config-admin.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { defineHandler } from './handler.ts'

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const admin = configAdminOf(ctx.broker)
    const key = (r: { resourceType: number, resourceName: string }): string => `${r.resourceType}:${r.resourceName}`
    const counts = new Map<string, number>()
    for (const r of request.resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1)
    const responses = []
    for (const r of request.resources) {
      const res = counts.get(key(r))! > 1
        ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Resource is given more than once in the request.' }
        : await admin.alterIncremental(r.resourceType, r.resourceName,
          r.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })), request.validateOnly)
      responses.push({ ...res, resourceType: r.resourceType, resourceName: r.resourceName })
    }
    return { throttleTimeMs: 0, responses }
  },
})
