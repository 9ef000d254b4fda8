// AlterConfigs (key 33), every version 0-2: replaces the whole set of overrides of a topic, or of
// a dynamic broker layer (name = node id: this broker; "": cluster-wide). validateOnly checks and
// changes nothing; each resource succeeds or fails as a whole.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/generated/messages/alter-configs.ts'
import { defineHandler } from './handler.ts'
import { configResourceRefused } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { alterEachResource } from './alter-resources.ts'

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const admin = ctx.broker.configAdmin
    const responses = await alterEachResource(request.resources, (r) => {
      const refused = configResourceRefused(ctx, Operation.ALTER_CONFIGS, r.resourceType, r.resourceName)
      return refused !== 0 ? Promise.resolve({ errorCode: refused, errorMessage: null }) : admin.alter(r.resourceType, r.resourceName, r.configs, request.validateOnly)
    })
    return { throttleTimeMs: 0, responses }
  },
})
