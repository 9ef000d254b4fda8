// DescribeConfigs (key 32), every version 0-4, for topics, this broker (name = node id) and the
// cluster-wide defaults (name ""). Values, sources and synonyms come from the one config table
// (cluster/config-describe.ts): v0 reports isDefault, v1+ the source and (when asked) synonyms,
// v3+ the type and (when asked) documentation. Each resource fails on its own.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/generated/messages/describe-configs.ts'
import { defineHandler } from './handler.ts'
import { configResourceRefused } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request, version) {
    const admin = ctx.broker.configAdmin
    const opts = { includeSynonyms: version >= 1 && request.includeSynonyms, includeDocumentation: version >= 3 && request.includeDocumentation }
    return {
      throttleTimeMs: 0,
      results: request.resources.map((r) => {
        const refused = configResourceRefused(ctx, Operation.DESCRIBE_CONFIGS, r.resourceType, r.resourceName)
        if (refused !== 0) return { errorCode: refused, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] }
        const d = admin.describe(r.resourceType, r.resourceName, r.configurationKeys, opts)
        return {
          errorCode: d.errorCode,
          errorMessage: d.errorMessage,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: d.configs.map((e) => ({
            name: e.name,
            value: e.value,
            readOnly: e.readOnly,
            isDefault: version === 0 && e.isDefault, // a v0-only field
            configSource: e.source,
            isSensitive: e.isSensitive,
            synonyms: e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
            configType: e.configType,
            documentation: e.documentation,
          })),
        }
      }),
    }
  },
})
