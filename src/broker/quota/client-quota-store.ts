// Client quotas in the metadata store, one key per entity (`/client-quotas/<entity key>`, value
// the entity and its quota values as JSON), so they survive a restart with the file store and a
// cluster's brokers share them. Each broker keeps every entity in memory, loaded at start and kept
// current by a watch, and tells its quota managers about each change: quotas are looked up on the
// request path and must not wait for the store.
import type { Logger } from 'pino'
import type { MetadataStore, Op, Watch } from '../cluster/store/metadata-store.ts'
import { RevisionWaiters, followPrefix } from '../cluster/store/prefix-copy.ts'
import { entityKey } from './client-quota-entity.ts'
import type { QuotaEntity } from './client-quota-entity.ts'

export const CLIENT_QUOTAS_PREFIX = '/client-quotas/'

export interface EntityQuotas {
  readonly entity: QuotaEntity
  /** Quota key → value (producer_byte_rate, request_percentage, ...). */
  readonly values: Readonly<Record<string, number>>
}

/** Called with an entity's quotas after every change (an empty `values` when they were removed). */
export type QuotaListener = (q: EntityQuotas) => void

function parse(value: string): EntityQuotas | undefined {
  try {
    const o = JSON.parse(value) as EntityQuotas
    return typeof o.entity === 'object' && o.entity !== null && typeof o.values === 'object' && o.values !== null ? o : undefined
  } catch {
    return undefined
  }
}

export class ClientQuotaStore {
  private readonly byKey = new Map<string, EntityQuotas>()
  private watch: Watch | undefined
  private readonly revisions = new RevisionWaiters()

  constructor(private readonly store: MetadataStore, private readonly log: Logger, private readonly listener: QuotaListener) {}

  async open(): Promise<void> {
    const r = await this.store.range(CLIENT_QUOTAS_PREFIX)
    const seen = new Set<string>()
    for (const kv of r.kvs) {
      const q = parse(kv.value)
      if (!q) continue
      seen.add(kv.key)
      this.set(kv.key, q)
    }
    // After a lost watch: what disappeared meanwhile.
    for (const [key, q] of this.byKey) if (!seen.has(key)) this.set(key, { entity: q.entity, values: {} })
    this.revisions.seen(r.revision)
    this.follow(r.revision + 1)
  }

  private set(key: string, q: EntityQuotas): void {
    if (Object.keys(q.values).length === 0) this.byKey.delete(key)
    else this.byKey.set(key, q)
    this.listener(q)
  }

  private follow(from: number): void {
    this.watch = followPrefix(this.store, CLIENT_QUOTAS_PREFIX, from, this.revisions, (key, value) => {
      const q = value === undefined ? undefined : parse(value)
      const old = this.byKey.get(key)
      if (q) this.set(key, q)
      else if (old) this.set(key, { entity: old.entity, values: {} })
    }, (err) => {
      this.log.warn({ err }, 'client quota watch failed: reloading the quotas')
      void this.open().catch((e: unknown) => this.log.error({ err: e }, 'cannot reload the client quotas'))
    })
  }

  all(): Iterable<EntityQuotas> {
    return this.byKey.values()
  }

  get(entity: QuotaEntity): EntityQuotas | undefined {
    return this.byKey.get(CLIENT_QUOTAS_PREFIX + entityKey(entity))
  }

  /** Writes each entity's new quota values (none left: the key goes) in one transaction; resolves once this broker sees them. */
  async apply(changes: readonly EntityQuotas[]): Promise<void> {
    if (changes.length === 0) return
    const ops: Op[] = changes.map((q) => {
      const key = CLIENT_QUOTAS_PREFIX + entityKey(q.entity)
      return Object.keys(q.values).length === 0 ? { type: 'delete', key } : { type: 'put', key, value: JSON.stringify(q) }
    })
    const r = await this.store.txn({ success: ops })
    await this.revisions.waitFor(r.revision)
  }

  close(): void {
    this.watch?.cancel()
  }
}
