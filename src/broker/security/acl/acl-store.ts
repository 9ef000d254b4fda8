// ACL bindings in the metadata store, one key each (`/acls/<binding key>`, value the binding as
// JSON), so they persist with the file store and a cluster's brokers share them. Each broker keeps
// every binding in memory, loaded at start and kept current by a watch: authorization is checked
// on the request path and must not wait for the store.
import type { Logger } from 'pino'
import type { MetadataStore, Watch } from '../../cluster/store/metadata-store.ts'
import { RevisionWaiters, followPrefix } from '../../cluster/store/prefix-copy.ts'
import { bindingKey } from './acl.ts'
import type { AclBinding } from './acl.ts'

export const ACLS_PREFIX = '/acls/'

function parse(value: string): AclBinding | undefined {
  try {
    const o = JSON.parse(value) as AclBinding
    return typeof o.resourceName === 'string' && typeof o.principal === 'string' && typeof o.host === 'string' ? o : undefined
  } catch {
    return undefined
  }
}

export class AclStore {
  private readonly bindings = new Map<string, AclBinding>()
  private watch: Watch | undefined
  private readonly revisions = new RevisionWaiters()

  constructor(private readonly store: MetadataStore, private readonly log: Logger) {}

  async open(): Promise<void> {
    const r = await this.store.range(ACLS_PREFIX)
    for (const kv of r.kvs) {
      const b = parse(kv.value)
      if (b) this.bindings.set(kv.key, b)
    }
    this.revisions.seen(r.revision)
    this.follow(r.revision + 1)
  }

  private follow(from: number): void {
    this.watch = followPrefix(this.store, ACLS_PREFIX, from, this.revisions, (key, value) => {
      const b = value === undefined ? undefined : parse(value)
      if (b) this.bindings.set(key, b)
      else this.bindings.delete(key)
    }, (err) => {
      // A lost watch: reload everything (the ACLs are small) and follow again.
      this.log.warn({ err }, 'ACL watch failed: reloading the ACLs')
      this.bindings.clear()
      void this.open().catch((e: unknown) => this.log.error({ err: e }, 'cannot reload the ACLs'))
    })
  }

  all(): Iterable<AclBinding> {
    return this.bindings.values()
  }

  get size(): number {
    return this.bindings.size
  }

  /** Writes and deletes in one transaction, and returns once this broker sees the result. */
  async apply(puts: readonly AclBinding[], deletes: readonly AclBinding[]): Promise<void> {
    if (puts.length === 0 && deletes.length === 0) return
    const r = await this.store.txn({
      success: [
        ...deletes.map((b) => ({ type: 'delete' as const, key: ACLS_PREFIX + bindingKey(b) })),
        ...puts.map((b) => ({ type: 'put' as const, key: ACLS_PREFIX + bindingKey(b), value: JSON.stringify(b) })),
      ],
    })
    await this.revisions.waitFor(r.revision)
  }

  close(): void {
    this.watch?.cancel()
  }
}
