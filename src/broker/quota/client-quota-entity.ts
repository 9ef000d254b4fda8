// Client quota entities and their keys, with Kafka's rules (KIP-55, KIP-257, KIP-546): an entity
// is a user, a client id, both, or an IP address; a null name is the default for that type; which
// quota keys an entity takes follows from its types. Validation answers Kafka's error text.

export type EntityType = 'user' | 'client-id' | 'ip'
export const ENTITY_TYPES: readonly EntityType[] = ['user', 'client-id', 'ip']

/** Entity type → name; a present key with a null name is that type's default. */
export type QuotaEntity = Partial<Record<EntityType, string | null>>

/** Quota keys of users and client ids, and whether their values must be whole numbers. */
export const CLIENT_QUOTA_KEYS: Readonly<Record<string, 'long' | 'double'>> = {
  producer_byte_rate: 'long',
  consumer_byte_rate: 'long',
  request_percentage: 'double',
  controller_mutation_rate: 'double',
}
/** Quota keys of IP entities (KIP-612). */
export const IP_QUOTA_KEYS: Readonly<Record<string, 'int'>> = { connection_creation_rate: 'int' }

const INT_MAX = 2 ** 31 - 1

export const isEntityType = (t: string): t is EntityType => (ENTITY_TYPES as readonly string[]).includes(t)

/** A stable key for an entity (the metadata-store key's tail): `user=alice/client-id`, names URI-encoded. */
export function entityKey(e: QuotaEntity): string {
  const parts: string[] = []
  for (const t of ENTITY_TYPES) {
    if (!(t in e)) continue
    const name = e[t]
    parts.push(name === null || name === undefined ? t : `${t}=${encodeURIComponent(name)}`)
  }
  return parts.join('/')
}

export function describeEntity(e: QuotaEntity): string {
  return ENTITY_TYPES.filter((t) => t in e).map((t) => `${t} ${e[t] ?? '<default>'}`).join(', ') || '(empty)'
}

/**
 * An entity from the wire's (type, name) list, or why it is not one. An IP entity's name may be a
 * host name: whether it resolves is the caller's (asynchronous) check.
 */
export function entityFromWire(parts: readonly { entityType: string, entityName: string | null }[]): QuotaEntity | string {
  if (parts.length === 0) return 'Invalid empty client quota entity'
  const e: QuotaEntity = {}
  for (const p of parts) {
    if (!isEntityType(p.entityType)) return `Unhandled client quota entity type: ${p.entityType}`
    if (p.entityType in e) return `Invalid client quota entity, duplicate entity entry ${p.entityType}`
    if (p.entityName === '') return `Empty ${p.entityType} not supported`
    e[p.entityType] = p.entityName
  }
  if ('ip' in e) {
    if ('user' in e || 'client-id' in e) return 'Invalid quota entity combination, IP entity should not be combined with User or ClientId'
  }
  return e
}

export function entityToWire(e: QuotaEntity): { entityType: string, entityName: string | null }[] {
  return ENTITY_TYPES.filter((t) => t in e).map((t) => ({ entityType: t, entityName: e[t] ?? null }))
}

/** Why `value` cannot be `key`'s quota for entity `e`, or undefined when it can. */
export function invalidQuotaValue(e: QuotaEntity, key: string, value: number): string | undefined {
  const type = 'ip' in e ? IP_QUOTA_KEYS[key] : CLIENT_QUOTA_KEYS[key]
  if (type === undefined) return `Invalid configuration key ${key}`
  if (!(value > 0)) return `Quota ${key} must be greater than 0`
  if (type === 'double') return undefined
  if (type === 'int' && value > INT_MAX) return `Proposed value for ${key} is too large for an INT.`
  if (Math.abs(value % 1) > 1e-6) return `${key} cannot be a fractional value.`
  return undefined
}
