// ACLs and SCRAM credentials through the admin API (CreateAcls, DescribeAcls, DeleteAcls,
// AlterUserScramCredentials, DescribeUserScramCredentials), with Kafka's enum names. A SCRAM
// password never leaves the client: it sends a random salt and the salted password (RFC 5802's
// Hi, i.e. PBKDF2 over HMAC of the mechanism's hash), as Kafka's admin client does.
import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { CreateAclsResponse } from '../../protocol/generated/messages/create-acls.ts'
import type { DescribeAclsResponse } from '../../protocol/generated/messages/describe-acls.ts'
import type { DeleteAclsResponse } from '../../protocol/generated/messages/delete-acls.ts'
import type { AlterUserScramCredentialsResponse } from '../../protocol/generated/messages/alter-user-scram-credentials.ts'
import type { DescribeUserScramCredentialsResponse } from '../../protocol/generated/messages/describe-user-scram-credentials.ts'
import type { Connection } from '../net/connection.ts'
import { ClientConfigError, KafkaError } from '../errors.ts'

const names = <T extends string>(list: readonly T[]) => Object.fromEntries(list.map((n, i) => [n, i])) as Record<T, number>
export const RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'] as const
export const PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'] as const
export const OPERATIONS = ['UNKNOWN', 'ANY', 'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE', 'CREATE_TOKENS', 'DESCRIBE_TOKENS', 'TWO_PHASE_COMMIT'] as const
export const PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'] as const
export const SCRAM_MECHANISMS = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 } as const

export type AclResourceType = (typeof RESOURCE_TYPES)[number]
export type AclPatternType = (typeof PATTERN_TYPES)[number]
export type AclOperation = (typeof OPERATIONS)[number]
export type AclPermission = (typeof PERMISSIONS)[number]
export type ScramMechanism = keyof typeof SCRAM_MECHANISMS

const RT = names(RESOURCE_TYPES)
const PT = names(PATTERN_TYPES)
const OP = names(OPERATIONS)
const PERM = names(PERMISSIONS)

export interface AclBinding {
  resourceType: AclResourceType
  resourceName: string
  patternType: AclPatternType
  /** `User:alice`, `User:*` */
  principal: string
  /** `*` for any host */
  host: string
  operation: AclOperation
  permission: AclPermission
}

/** Null fields match anything; the enums' ANY likewise. */
export interface AclFilter {
  resourceType?: AclResourceType
  resourceName?: string | null
  patternType?: AclPatternType
  principal?: string | null
  host?: string | null
  operation?: AclOperation
  permission?: AclPermission
}

function code<T extends string>(table: Record<T, number>, value: string, what: string): number {
  const n = table[value.toUpperCase() as T]
  if (n === undefined) throw new ClientConfigError(`unknown ACL ${what} '${value}' (${Object.keys(table).filter((k) => k !== 'UNKNOWN').join(', ')})`)
  return n
}

const filterFields = (f: AclFilter) => ({
  resourceTypeFilter: code(RT, f.resourceType ?? 'ANY', 'resource type'),
  resourceNameFilter: f.resourceName ?? null,
  patternTypeFilter: code(PT, f.patternType ?? 'ANY', 'pattern type'),
  principalFilter: f.principal ?? null,
  hostFilter: f.host ?? null,
  operation: code(OP, f.operation ?? 'ANY', 'operation'),
  permissionType: code(PERM, f.permission ?? 'ANY', 'permission'),
})

type Run = <T>(fn: () => Promise<T>) => Promise<T>

/** A binding from the wire's codes (DescribeAcls and DeleteAcls answer with the same fields). */
function binding(resourceType: number, resourceName: string, patternType: number,
  a: { principal: string; host: string; operation: number; permissionType: number }): AclBinding {
  return {
    resourceType: RESOURCE_TYPES[resourceType] ?? 'UNKNOWN', resourceName, patternType: PATTERN_TYPES[patternType] ?? 'UNKNOWN',
    principal: a.principal, host: a.host, operation: OPERATIONS[a.operation] ?? 'UNKNOWN', permission: PERMISSIONS[a.permissionType] ?? 'UNKNOWN',
  }
}

export async function createAcls(conn: () => Promise<Connection>, run: Run, bindings: readonly AclBinding[]): Promise<void> {
  const creations = bindings.map((b) => ({
    resourceType: code(RT, b.resourceType, 'resource type'), resourceName: b.resourceName, resourcePatternType: code(PT, b.patternType, 'pattern type'),
    principal: b.principal, host: b.host, operation: code(OP, b.operation, 'operation'), permissionType: code(PERM, b.permission, 'permission'),
  }))
  const res = await run(async () => (await conn()).request<CreateAclsResponse>(ApiKey.CreateAcls, { creations }))
  const bad = res.results.find((r) => r.errorCode !== 0)
  if (bad) throw new KafkaError(bad.errorCode, { message: bad.errorMessage, api: 'CreateAcls' })
}

export async function describeAcls(conn: () => Promise<Connection>, run: Run, filter: AclFilter = {}): Promise<AclBinding[]> {
  const res = await run(async () => (await conn()).request<DescribeAclsResponse>(ApiKey.DescribeAcls, filterFields(filter)))
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { message: res.errorMessage, api: 'DescribeAcls' })
  return res.resources.flatMap((r) => r.acls.map((a) => binding(r.resourceType, r.resourceName, r.patternType, a)))
}

/** Deletes every binding each filter matches; returns the deleted bindings. */
export async function deleteAcls(conn: () => Promise<Connection>, run: Run, filters: readonly AclFilter[]): Promise<AclBinding[]> {
  return (await deleteAclsByFilter(conn, run, filters)).flat()
}

/** deleteAcls with the deleted bindings of each filter apart (filters may overlap). */
export async function deleteAclsByFilter(conn: () => Promise<Connection>, run: Run, filters: readonly AclFilter[]): Promise<AclBinding[][]> {
  const res = await run(async () => (await conn()).request<DeleteAclsResponse>(ApiKey.DeleteAcls, { filters: filters.map(filterFields) }))
  return res.filterResults.map((r) => {
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, { message: r.errorMessage, api: 'DeleteAcls' })
    return r.matchingAcls.map((a) => binding(a.resourceType, a.resourceName, a.patternType, a))
  })
}

export interface ScramUpsert {
  user: string
  mechanism: ScramMechanism
  password: string
  /** Default 4096 (Kafka's minimum). */
  iterations?: number
}

function mechanismCode(m: string): number {
  const n = SCRAM_MECHANISMS[m.toUpperCase() as ScramMechanism]
  if (n === undefined) throw new ClientConfigError(`unknown SCRAM mechanism '${m}' (SCRAM-SHA-256, SCRAM-SHA-512)`)
  return n
}

export async function alterScramCredentials(conn: () => Promise<Connection>, run: Run,
  upserts: readonly ScramUpsert[], deletions: readonly { user: string; mechanism: ScramMechanism }[] = []): Promise<void> {
  const upsertions = upserts.map((u) => {
    const mechanism = mechanismCode(u.mechanism)
    const iterations = u.iterations ?? 4096
    const salt = randomBytes(24)
    const hash = mechanism === 1 ? 'sha256' : 'sha512'
    const saltedPassword = pbkdf2Sync(Buffer.from(u.password, 'utf8'), salt, iterations, hash === 'sha256' ? 32 : 64, hash)
    return { name: u.user, mechanism, iterations, salt, saltedPassword }
  })
  const res = await run(async () => (await conn()).request<AlterUserScramCredentialsResponse>(ApiKey.AlterUserScramCredentials, {
    deletions: deletions.map((d) => ({ name: d.user, mechanism: mechanismCode(d.mechanism) })), upsertions,
  }))
  const bad = res.results.find((r) => r.errorCode !== 0)
  if (bad) throw new KafkaError(bad.errorCode, { message: `${bad.user}: ${bad.errorMessage ?? ''}`, api: 'AlterUserScramCredentials' })
}

export interface ScramUser {
  user: string
  credentials: { mechanism: ScramMechanism | 'UNKNOWN'; iterations: number }[]
}

/** Every user with SCRAM credentials, or only `users` (an unknown one is an error). */
export async function describeScramCredentials(conn: () => Promise<Connection>, run: Run, users?: readonly string[]): Promise<ScramUser[]> {
  const res = await run(async () => (await conn()).request<DescribeUserScramCredentialsResponse>(ApiKey.DescribeUserScramCredentials, {
    users: users === undefined ? null : users.map((name) => ({ name })),
  }))
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { message: res.errorMessage, api: 'DescribeUserScramCredentials' })
  const bad = res.results.find((r) => r.errorCode !== 0)
  if (bad) throw new KafkaError(bad.errorCode, { message: `${bad.user}: ${bad.errorMessage ?? ''}`, api: 'DescribeUserScramCredentials' })
  const byCode = Object.fromEntries(Object.entries(SCRAM_MECHANISMS).map(([k, v]) => [v, k as ScramMechanism]))
  return res.results.map((r) => ({ user: r.user, credentials: r.credentialInfos.map((c) => ({ mechanism: byCode[c.mechanism] ?? 'UNKNOWN', iterations: c.iterations })) }))
}
