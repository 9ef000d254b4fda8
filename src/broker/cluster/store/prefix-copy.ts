// What the in-memory copies of a metadata-store prefix (ACL bindings, client quotas) share: the
// store revision the copy reflects, with writers waiting until their own write shows in it, and
// the watch that applies each put or delete under the prefix and reports a lost watch (the owner
// reloads and follows again).
import type { MetadataStore, Watch } from './metadata-store.ts'

export class RevisionWaiters {
  private revision = 0
  private readonly waiters: { revision: number, resolve: () => void }[] = []

  /** The copy now reflects `revision`: writers waiting for it or older go on. */
  seen(revision: number): void {
    this.revision = Math.max(this.revision, revision)
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].revision <= this.revision) {
        this.waiters[i].resolve()
        this.waiters.splice(i, 1)
      }
    }
  }

  /** Resolves once the copy reflects store revision `revision`. */
  waitFor(revision: number): Promise<void> {
    if (revision <= this.revision) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ revision, resolve }))
  }
}

/**
 * Watches `prefix` from revision `from`: `apply(key, value)` per event (value undefined: deleted),
 * then the batch's revision is seen; `onLost` when the watch fails.
 */
export function followPrefix(store: MetadataStore, prefix: string, from: number, revisions: RevisionWaiters,
  apply: (key: string, value: string | undefined) => void, onLost: (err: unknown) => void): Watch {
  return store.watch(prefix, (batch) => {
    for (const e of batch.events) apply(e.kv.key, e.type === 'put' ? e.kv.value : undefined)
    revisions.seen(batch.revision)
  }, { fromRevision: from, onError: onLost })
}
