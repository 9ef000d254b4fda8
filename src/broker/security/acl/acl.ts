// Kafka's ACL model: a binding is a resource pattern (type, name, LITERAL or PREFIXED) plus an
// entry (principal, host, operation, ALLOW or DENY). The numeric codes are Kafka's wire codes
// (CreateAcls / DescribeAcls / DeleteAcls). Filters (DescribeAcls, DeleteAcls) may say ANY, and
// MATCH for patterns: every pattern that applies to the given name (literal, `*`, prefixes).

export const ResourceType = { ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const
export const PatternType = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const
export const Operation = {
  ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const
export const Permission = { ANY: 1, DENY: 2, ALLOW: 3 } as const

/** The cluster resource's only name. */
export const CLUSTER_NAME = 'kafka-cluster'
export const WILDCARD = '*'

export interface AclBinding {
  readonly resourceType: number
  readonly resourceName: string
  readonly patternType: number
  readonly principal: string
  readonly host: string
  readonly operation: number
  readonly permission: number
}

export interface AclFilter {
  readonly resourceType: number
  readonly resourceName: string | null
  readonly patternType: number
  readonly principal: string | null
  readonly host: string | null
  readonly operation: number
  readonly permission: number
}

const concrete = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi

/** Why a binding cannot be created (Kafka's INVALID_REQUEST cases), or null. */
export function invalidBinding(b: AclBinding): string | null {
  if (!concrete(b.resourceType, 2, 7)) return 'Invalid resource type'
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return 'Invalid pattern type: LITERAL or PREFIXED'
  if (!concrete(b.operation, 2, 14)) return 'Invalid operation'
  if (b.permission !== Permission.ALLOW && b.permission !== Permission.DENY) return 'Invalid permission type: ALLOW or DENY'
  if (b.resourceName === '') return 'Resource name must not be empty'
  if (!/^[^:]+:.+$/.test(b.principal)) return `Invalid principal ${JSON.stringify(b.principal)}: expected <type>:<name> (e.g. User:alice)`
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) return `The cluster resource is named ${CLUSTER_NAME}`
  return null
}

/** True when `pattern` (a stored binding's resource) applies to the concrete resource `name`. */
export function patternApplies(patternType: number, patternName: string, name: string): boolean {
  if (patternType === PatternType.LITERAL) return patternName === name || patternName === WILDCARD
  if (patternType === PatternType.PREFIXED) return name.startsWith(patternName)
  return false
}

export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false
  if (f.patternType === PatternType.MATCH) {
    if (f.resourceName !== null && !patternApplies(b.patternType, b.resourceName, f.resourceName)) return false
  } else {
    if (f.patternType !== PatternType.ANY && f.patternType !== b.patternType) return false
    if (f.resourceName !== null && f.resourceName !== b.resourceName) return false
  }
  if (f.principal !== null && f.principal !== b.principal) return false
  if (f.host !== null && f.host !== b.host) return false
  if (f.operation !== Operation.ANY && f.operation !== b.operation) return false
  if (f.permission !== Permission.ANY && f.permission !== b.permission) return false
  return true
}

/** A stable key for a binding (its store key suffix). */
export function bindingKey(b: AclBinding): string {
  return [b.resourceType, b.patternType, b.operation, b.permission, b.resourceName, b.principal, b.host].map((x) => encodeURIComponent(String(x))).join('/')
}
