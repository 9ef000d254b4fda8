// DescribeClientQuotas (48) and AlterClientQuotas (49), v0-1: client quotas in the metadata store
// (src/broker/quota), with Kafka's entity rules and errors. Describing needs DESCRIBE_CONFIGS on
// the cluster, altering ALTER_CONFIGS, as in Kafka. An alteration applies every valid entity's
// changes in one store transaction (none with validate_only) and answers once this broker's copy,
// and so its quota managers, hold them.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../../protocol/generated/messages/describe-client-quotas.ts'
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../protocol/generated/messages/alter-client-quotas.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { resolvable } from '../net/host-resolver.ts'
import { describeEntity, entityFromWire, entityKey, entityToWire, invalidQuotaValue } from '../quota/client-quota-entity.ts'
import { FilterError, selectQuotas } from '../quota/client-quota-filter.ts'
import type { EntityQuotas } from '../quota/client-quota-store.ts'
import { defineHandler } from './handler.ts'

const DENIED = 'Cluster authorization failed.'

export const describeClientQuotasHandler = defineHandler<DescribeClientQuotasRequest, DescribeClientQuotasResponse>({
  apiKey: ApiKey.DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    if (!allowedCluster(ctx, Operation.DESCRIBE_CONFIGS)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: DENIED, entries: null }
    }
    let selected: EntityQuotas[]
    try {
      selected = selectQuotas(ctx.broker.quotas.store.all(), request.components, request.strict)
    } catch (err) {
      if (!(err instanceof FilterError)) throw err
      return { throttleTimeMs: 0, errorCode: err.code, errorMessage: err.message, entries: null }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      entries: selected.map((q) => ({
        entity: entityToWire(q.entity),
        values: Object.entries(q.values).map(([key, value]) => ({ key, value })),
      })),
    }
  },
})

type Result = AlterClientQuotasResponse['entries'][number]

export const alterClientQuotasHandler = defineHandler<AlterClientQuotasRequest, AlterClientQuotasResponse>({
  apiKey: ApiKey.AlterClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const answer = (r: Result) => r
    if (!allowedCluster(ctx, Operation.ALTER_CONFIGS)) {
      return {
        throttleTimeMs: 0,
        entries: request.entries.map((e) => answer({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: DENIED, entity: e.entity })),
      }
    }
    const store = ctx.broker.quotas.store
    const results: Result[] = []
    const changes: EntityQuotas[] = []
    const seen = new Set<string>()
    for (const entry of request.entries) {
      const fail = (message: string) => results.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message, entity: entry.entity })
      const entity = entityFromWire(entry.entity)
      if (typeof entity === 'string') {
        fail(entity)
        continue
      }
      // As Kafka's controller: an IP entity names an address or a host name that resolves now.
      if (typeof entity.ip === 'string' && !(await resolvable(entity.ip))) {
        fail(`${entity.ip} is not a valid IP or resolvable host.`)
        continue
      }
      const key = entityKey(entity)
      if (seen.has(key)) {
        fail(`Ignoring duplicate entity ${describeEntity(entity)}`)
        continue
      }
      seen.add(key)
      const values: Record<string, number> = { ...store.get(entity)?.values }
      const keys = new Set<string>()
      let why: string | undefined
      for (const op of entry.ops) {
        if (keys.has(op.key)) {
          why = `Duplicate quota key ${op.key} not updating quota for this entity ${describeEntity(entity)}`
          break
        }
        keys.add(op.key)
        if (op.remove) {
          delete values[op.key]
          continue
        }
        why = invalidQuotaValue(entity, op.key, op.value)
        if (why) break
        values[op.key] = op.value
      }
      if (why) {
        fail(why)
        continue
      }
      results.push({ errorCode: ErrorCode.NONE, errorMessage: null, entity: entry.entity })
      changes.push({ entity, values })
    }
    if (!request.validateOnly) {
      await store.apply(changes)
      await ctx.broker.quotas.ipQuotasApplied()
    }
    return { throttleTimeMs: 0, entries: results }
  },
})
