// Client quotas through the admin API (DescribeClientQuotas, AlterClientQuotas), with Kafka's
// names: an entity maps `user`, `client-id` or `ip` to a name, null meaning that type's default;
// values are keyed producer_byte_rate, consumer_byte_rate, request_percentage, ...
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { AlterClientQuotasResponse } from '../../protocol/generated/messages/alter-client-quotas.ts'
import type { DescribeClientQuotasResponse } from '../../protocol/generated/messages/describe-client-quotas.ts'
import type { Connection } from '../net/connection.ts'
import { KafkaError } from '../errors.ts'

type Run = <T>(fn: () => Promise<T>) => Promise<T>

/** Entity type → name (null: the default of that type). */
export type ClientQuotaEntity = Partial<Record<'user' | 'client-id' | 'ip', string | null>>

export interface ClientQuotaEntry {
  entity: ClientQuotaEntity
  values: Record<string, number>
}

export interface ClientQuotaAlteration {
  entity: ClientQuotaEntity
  /** Key → new value, or null to remove the key. */
  set: Record<string, number | null>
}

const wireEntity = (e: ClientQuotaEntity) => Object.entries(e).map(([entityType, entityName]) => ({ entityType, entityName: entityName ?? null }))

/**
 * The entities matching every `filter` entry (a name: exactly that entity name; null: the default;
 * undefined: any name of that type); `strict` leaves out entities with other types too.
 */
export async function describeClientQuotas(conn: () => Promise<Connection>, run: Run,
  filter: Partial<Record<'user' | 'client-id' | 'ip', string | null | undefined>> = {}, strict = false): Promise<ClientQuotaEntry[]> {
  const components = Object.entries(filter).map(([entityType, v]) => (
    v === undefined ? { entityType, matchType: 2, match: null } : v === null ? { entityType, matchType: 1, match: null } : { entityType, matchType: 0, match: v }))
  const res = await run(async () => (await conn()).request<DescribeClientQuotasResponse>(ApiKey.DescribeClientQuotas, { components, strict }))
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { message: res.errorMessage, api: 'DescribeClientQuotas' })
  return (res.entries ?? []).map((e) => ({
    entity: Object.fromEntries(e.entity.map((x) => [x.entityType, x.entityName])) as ClientQuotaEntity,
    values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
  }))
}

export async function alterClientQuotas(conn: () => Promise<Connection>, run: Run,
  alterations: readonly ClientQuotaAlteration[], validateOnly = false): Promise<void> {
  const entries = alterations.map((a) => ({
    entity: wireEntity(a.entity),
    ops: Object.entries(a.set).map(([key, value]) => ({ key, value: value ?? 0, remove: value === null })),
  }))
  const res = await run(async () => (await conn()).request<AlterClientQuotasResponse>(ApiKey.AlterClientQuotas, { entries, validateOnly }))
  for (const e of res.entries) if (e.errorCode !== 0) throw new KafkaError(e.errorCode, { message: e.errorMessage, api: 'AlterClientQuotas' })
}
