// KafkaJS's ACL admin calls and enums (AclResourceTypes, AclOperationTypes, AclPermissionTypes,
// ResourcePatternTypes — Kafka's wire codes) over samsa/client's ACL admin, with KafkaJS's checks
// and result shapes: createAcls resolves true, describeAcls groups bindings by resource,
// deleteAcls answers per filter.
import type { Admin } from '../admin/admin.ts'
import { OPERATIONS, PATTERN_TYPES, PERMISSIONS, RESOURCE_TYPES } from '../admin/security-admin.ts'
import type { AclBinding, AclFilter } from '../admin/security-admin.ts'
import { KafkaJSNonRetriableError } from './errors.ts'

export const AclResourceTypes = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6 } as const
export const AclOperationTypes = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12,
} as const
export const AclPermissionTypes = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const
export const ResourcePatternTypes = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const

export interface AclEntry {
  resourceType: number
  resourceName: string
  resourcePatternType: number
  principal: string
  host: string
  operation: number
  permissionType: number
}

export type AclFilterEntry = Partial<Pick<AclEntry, 'resourceName' | 'principal' | 'host'>> & Pick<AclEntry, 'resourceType' | 'resourcePatternType' | 'operation' | 'permissionType'>

export interface DescribeAclResource {
  resourceType: number
  resourceName: string
  resourcePatternType: number
  acls: { principal: string; host: string; operation: number; permissionType: number }[]
}

const CHECKS = [
  ['operation', 'operation type', AclOperationTypes],
  ['resourcePatternType', 'resource pattern type', ResourcePatternTypes],
  ['permissionType', 'permission type', AclPermissionTypes],
  ['resourceType', 'resource type', AclResourceTypes],
] as const

/** KafkaJS's argument checks: strings where a binding needs them (optional in filters), known codes. */
function check(entries: readonly Partial<AclEntry>[], filter: boolean): void {
  for (const field of ['principal', 'host', 'resourceName'] as const) {
    const bad = entries.find((e) => typeof e[field] !== 'string' && !(filter && (e[field] === undefined || e[field] === null)))
    if (bad !== undefined) throw new KafkaJSNonRetriableError(`Invalid ${field} ${String(bad[field])}: ${JSON.stringify(bad)}; it must be a string`)
  }
  for (const [field, what, table] of CHECKS) {
    const known = Object.values(table) as number[]
    const bad = entries.find((e) => !known.includes(e[field] as number))
    if (bad !== undefined) throw new KafkaJSNonRetriableError(`Invalid ${what} ${String(bad[field])}: ${JSON.stringify(bad)}`)
  }
}

const toBinding = (e: AclEntry): AclBinding => ({
  resourceType: RESOURCE_TYPES[e.resourceType]!, resourceName: e.resourceName, patternType: PATTERN_TYPES[e.resourcePatternType]!,
  principal: e.principal, host: e.host, operation: OPERATIONS[e.operation]!, permission: PERMISSIONS[e.permissionType]!,
})

const toFilter = (f: AclFilterEntry): AclFilter => ({
  resourceType: RESOURCE_TYPES[f.resourceType], resourceName: f.resourceName ?? null, patternType: PATTERN_TYPES[f.resourcePatternType],
  principal: f.principal ?? null, host: f.host ?? null, operation: OPERATIONS[f.operation], permission: PERMISSIONS[f.permissionType],
})

const toEntry = (b: AclBinding): AclEntry => ({
  resourceType: RESOURCE_TYPES.indexOf(b.resourceType), resourceName: b.resourceName, resourcePatternType: PATTERN_TYPES.indexOf(b.patternType),
  principal: b.principal, host: b.host, operation: OPERATIONS.indexOf(b.operation), permissionType: PERMISSIONS.indexOf(b.permission),
})

export async function createAcls(admin: Admin, acl: readonly AclEntry[]): Promise<true> {
  if (!Array.isArray(acl) || acl.length === 0) throw new KafkaJSNonRetriableError('Invalid ACL array: it must be a non-empty array')
  check(acl, false)
  await admin.createAcls(acl.map(toBinding))
  return true
}

export async function describeAcls(admin: Admin, filter: AclFilterEntry): Promise<{ resources: DescribeAclResource[] }> {
  check([filter], true)
  const byResource = new Map<string, DescribeAclResource>()
  for (const b of await admin.describeAcls(toFilter(filter))) {
    const e = toEntry(b)
    const k = `${e.resourceType}\u0000${e.resourcePatternType}\u0000${e.resourceName}`
    let r = byResource.get(k)
    if (r === undefined) byResource.set(k, (r = { resourceType: e.resourceType, resourceName: e.resourceName, resourcePatternType: e.resourcePatternType, acls: [] }))
    r.acls.push({ principal: e.principal, host: e.host, operation: e.operation, permissionType: e.permissionType })
  }
  return { resources: [...byResource.values()] }
}

export async function deleteAcls(admin: Admin, filters: readonly AclFilterEntry[]): Promise<{ filterResponses: { errorCode: number; errorMessage: string | null; matchingAcls: (AclEntry & { errorCode: number; errorMessage: string | null })[] }[] }> {
  if (!Array.isArray(filters) || filters.length === 0) throw new KafkaJSNonRetriableError('Invalid ACL Filter array: it must be a non-empty array')
  check(filters, true)
  const deleted = await admin.deleteAclsByFilter(filters.map(toFilter))
  return {
    filterResponses: deleted.map((list) => ({
      errorCode: 0, errorMessage: null, matchingAcls: list.map((b) => ({ errorCode: 0, errorMessage: null, ...toEntry(b) })),
    })),
  }
}
