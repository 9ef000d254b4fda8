// IncrementalAlterConfigs (key 44), versions 0-1: SET / DELETE / APPEND / SUBTRACT (the last two
// for list configs only) on a topic's overrides or a dynamic broker layer (name = node id: this
// broker; "": cluster-wide). validateOnly checks and changes nothing; each resource succeeds or
// fails as a whole.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type {
  IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
} from '../../protocol/generated/messages/incremental-alter-configs.ts'
import { defineHandler } from './handler.ts'
import { configResourceRefused } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { alterEachResource } from './alter-resources.ts'

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const admin = ctx.broker.configAdmin
    const responses = await alterEachResource(request.resources, (r) => {
      const refused = configResourceRefused(ctx, Operation.ALTER_CONFIGS, r.resourceType, r.resourceName)
      return refused !== 0 ? Promise.resolve({ errorCode: refused, errorMessage: null }) : admin.alterIncremental(r.resourceType, r.resourceName,
        r.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })), request.validateOnly)
    })
    return { throttleTimeMs: 0, responses }
  },
})
