// DescribeClientQuotas' filter with Kafka's semantics: each component names an entity type and
// matches an exact name (0), the default (1) or any specified name (2); an entity matches when it
// has every filtered type as asked; `strict` also excludes entities with types the filter does not
// name; no component and not strict lists everything. Bad filters are INVALID_REQUEST, unknown
// entity types UNSUPPORTED_VERSION, with Kafka's messages.
import { ErrorCode } from '../../protocol/errors.ts'
import { isEntityType } from './client-quota-entity.ts'
import type { EntityType, QuotaEntity } from './client-quota-entity.ts'
import type { EntityQuotas } from './client-quota-store.ts'

export const MATCH_EXACT = 0
export const MATCH_DEFAULT = 1
export const MATCH_SPECIFIED = 2

export interface FilterComponent {
  readonly entityType: string
  readonly matchType: number
  readonly match: string | null
}

export class FilterError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}

interface Filter {
  /** Type → exact name (null: the default). */
  readonly exact: Map<EntityType, string | null>
  readonly specified: Set<EntityType>
}

function parseFilter(components: readonly FilterComponent[]): Filter {
  const exact = new Map<EntityType, string | null>()
  const specified = new Set<EntityType>()
  const invalid = (m: string) => new FilterError(ErrorCode.INVALID_REQUEST, m)
  for (const c of components) {
    if (c.entityType === '') throw invalid('Invalid empty entity type.')
    const t = c.entityType
    if (!isEntityType(t)) throw new FilterError(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${t}`)
    if (exact.has(t) || specified.has(t)) throw invalid(`Entity type ${t} cannot appear more than once in the filter.`)
    if (c.matchType === MATCH_EXACT) {
      if (c.match === null) throw invalid('Request specified MATCH_TYPE_EXACT, but set match string to null.')
      exact.set(t, c.match)
    } else if (c.matchType === MATCH_DEFAULT) {
      if (c.match !== null) throw invalid('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.')
      exact.set(t, null)
    } else if (c.matchType === MATCH_SPECIFIED) {
      if (c.match !== null) throw invalid('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.')
      specified.add(t)
    } else {
      throw invalid(`Unknown match type ${c.matchType}`)
    }
  }
  const has = (t: EntityType) => exact.has(t) || specified.has(t)
  if (has('ip') && (has('user') || has('client-id'))) {
    throw invalid('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.')
  }
  return { exact, specified }
}

function matches(f: Filter, e: QuotaEntity, strict: boolean): boolean {
  for (const [t, name] of f.exact) if (!(t in e) || (e[t] ?? null) !== name) return false
  for (const t of f.specified) if (!(t in e)) return false
  return !strict || Object.keys(e).length === f.exact.size + f.specified.size
}

/** The entities the filter selects (throws FilterError for a bad filter). */
export function selectQuotas(all: Iterable<EntityQuotas>, components: readonly FilterComponent[], strict: boolean): EntityQuotas[] {
  const f = parseFilter(components)
  const out: EntityQuotas[] = []
  for (const q of all) if (matches(f, q.entity, strict)) out.push(q)
  return out
}
