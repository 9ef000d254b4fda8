// CreateAcls (30), DescribeAcls (29), DeleteAcls (31), v1-3: ACL bindings in the metadata store
// (security/acl). Served only when authorizer.class.name turns ACLs on, so clients that guess the
// broker's version from the advertised APIs (kafka-python) see no change otherwise. Creating and
// deleting needs ALTER on the cluster, describing DESCRIBE, as in Kafka.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { CreateAclsRequest, CreateAclsResponse } from '../../protocol/generated/messages/create-acls.ts'
import type { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/generated/messages/describe-acls.ts'
import type { DeleteAclsRequest, DeleteAclsResponse } from '../../protocol/generated/messages/delete-acls.ts'
import { filterMatches, invalidBinding, Operation } from '../security/acl/acl.ts'
import type { AclBinding, AclFilter } from '../security/acl/acl.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { defineHandler } from './handler.ts'
import type { ApiHandler, RequestContext } from './handler.ts'

const DENIED = 'Cluster authorization failed.'

function store(ctx: RequestContext) {
  const acls = ctx.broker.security.acls
  if (!acls) throw new Error('ACL requests are served only with authorizer.class.name set')
  return acls
}

export const createAclsHandler = defineHandler<CreateAclsRequest, CreateAclsResponse>({
  apiKey: ApiKey.CreateAcls,
  minVersion: 1,
  maxVersion: 3,
  async handle(ctx, request) {
    if (!allowedCluster(ctx, Operation.ALTER)) {
      return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: DENIED })) }
    }
    const results: CreateAclsResponse['results'] = []
    const puts: AclBinding[] = []
    for (const c of request.creations) {
      const b: AclBinding = { resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType,
        principal: c.principal, host: c.host, operation: c.operation, permission: c.permissionType }
      const why = invalidBinding(b)
      results.push(why ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why } : { errorCode: ErrorCode.NONE, errorMessage: null })
      if (!why) puts.push(b)
    }
    await store(ctx).apply(puts, [])
    return { throttleTimeMs: 0, results }
  },
})

const filterOf = (f: { resourceTypeFilter: number, resourceNameFilter: string | null, patternTypeFilter: number,
  principalFilter: string | null, hostFilter: string | null, operation: number, permissionType: number }): AclFilter => ({
  resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter,
  principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permission: f.permissionType,
})

export const describeAclsHandler = defineHandler<DescribeAclsRequest, DescribeAclsResponse>({
  apiKey: ApiKey.DescribeAcls,
  minVersion: 1,
  maxVersion: 3,
  handle(ctx, request) {
    if (!allowedCluster(ctx, Operation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: DENIED, resources: [] }
    }
    const filter = filterOf(request)
    const byResource = new Map<string, DescribeAclsResponse['resources'][number]>()
    for (const b of store(ctx).all()) {
      if (!filterMatches(filter, b)) continue
      const key = `${b.resourceType}/${b.patternType}/${b.resourceName}`
      let r = byResource.get(key)
      if (!r) byResource.set(key, r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] })
      r.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission })
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byResource.values()] }
  },
})

export const deleteAclsHandler = defineHandler<DeleteAclsRequest, DeleteAclsResponse>({
  apiKey: ApiKey.DeleteAcls,
  minVersion: 1,
  maxVersion: 3,
  async handle(ctx, request) {
    if (!allowedCluster(ctx, Operation.ALTER)) {
      return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: DENIED, matchingAcls: [] })) }
    }
    const all = [...store(ctx).all()]
    const doomed = new Set<AclBinding>()
    const filterResults = request.filters.map((f) => {
      const matching = all.filter((b) => filterMatches(filterOf(f), b))
      for (const b of matching) doomed.add(b)
      return {
        errorCode: ErrorCode.NONE, errorMessage: null,
        matchingAcls: matching.map((b) => ({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType: b.resourceType, resourceName: b.resourceName,
          patternType: b.patternType, principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission })),
      }
    })
    await store(ctx).apply([], [...doomed])
    return { throttleTimeMs: 0, filterResults }
  },
})

/** Registered only with an authorizer (see the header). */
export const ACL_HANDLERS: readonly ApiHandler[] = [createAclsHandler as ApiHandler, describeAclsHandler as ApiHandler, deleteAclsHandler as ApiHandler]
