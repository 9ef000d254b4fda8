// AlterConfigs (key 33), every version 0-2: replaces the whole set of overrides of a topic, or of
// a dynamic broker layer (name = node id: this broker; "": cluster-wide). validateOnly checks and
// changes nothing; each resource succeeds or fails as a whole.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/generated/messages/alter-configs.ts'
import { configAdminOf } from '../cluster/config-admin.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { defineHandler } from './handler.ts'

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const admin = configAdminOf(ctx.broker)
    const key = (r: { resourceType: number, resourceName: string }): string => `${r.resourceType}:${r.resourceName}`
    const counts = new Map<string, number>()
    for (const r of request.resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1)
    const responses = []
    // One resource after the other: two changes of the broker layers must not interleave.
    for (const r of request.resources) {
      const res = counts.get(key(r))! > 1
        ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Resource is given more than once in the request.' }
        : await admin.alter(r.resourceType, r.resourceName, r.configs, request.validateOnly)
      responses.push({ ...res, resourceType: r.resourceType, resourceName: r.resourceName })
    }
    return { throttleTimeMs: 0, responses }
  },
})
