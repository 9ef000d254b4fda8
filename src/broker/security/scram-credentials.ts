// SCRAM credentials in the metadata store, one key per user and mechanism:
// `/scram/<mechanism>/<url-encoded user>` = {"salt","storedKey","serverKey" (base64),"iterations"}.
// Every broker of a cluster shares the store, so a credential altered through any broker is used
// by all of them; lookups read the store at each authentication (one read per login, no cache to
// go stale). The metadata image ignores these keys.
import type { MetadataStore, Op } from '../cluster/store/metadata-store.ts'
import type { ScramCredential, ScramMechanism } from './sasl/scram-formatter.ts'

export const SCRAM_PREFIX = '/scram/'

const key = (mechanism: ScramMechanism, user: string) => `${SCRAM_PREFIX}${mechanism}/${encodeURIComponent(user)}`

export interface StoredScram {
  readonly user: string
  readonly mechanism: ScramMechanism
  readonly iterations: number
}

function parse(value: string): ScramCredential | undefined {
  try {
    const o = JSON.parse(value) as Record<string, unknown>
    if (typeof o.salt !== 'string' || typeof o.storedKey !== 'string' || typeof o.serverKey !== 'string' || !Number.isInteger(o.iterations)) return undefined
    return {
      salt: Buffer.from(o.salt, 'base64'),
      storedKey: Buffer.from(o.storedKey, 'base64'),
      serverKey: Buffer.from(o.serverKey, 'base64'),
      iterations: o.iterations as number,
    }
  } catch {
    return undefined
  }
}

export type ScramChange =
  | { readonly type: 'upsert', readonly user: string, readonly mechanism: ScramMechanism, readonly credential: ScramCredential }
  | { readonly type: 'delete', readonly user: string, readonly mechanism: ScramMechanism }

export class ScramCredentials {
  constructor(private readonly store: MetadataStore) {}

  async get(user: string, mechanism: ScramMechanism): Promise<ScramCredential | undefined> {
    const k = key(mechanism, user)
    const r = await this.store.range(k)
    const kv = r.kvs.find((x) => x.key === k)
    return kv ? parse(kv.value) : undefined
  }

  /** Every stored credential's user, mechanism and iterations (never the keys). */
  async list(): Promise<StoredScram[]> {
    const r = await this.store.range(SCRAM_PREFIX)
    const out: StoredScram[] = []
    for (const kv of r.kvs) {
      const [mechanism, user] = kv.key.slice(SCRAM_PREFIX.length).split('/')
      const cred = parse(kv.value)
      if (cred && (mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512')) {
        out.push({ user: decodeURIComponent(user), mechanism, iterations: cred.iterations })
      }
    }
    return out
  }

  /** Applies every change in one store transaction. */
  async apply(changes: readonly ScramChange[]): Promise<void> {
    if (changes.length === 0) return
    const ops: Op[] = changes.map((c) => (c.type === 'delete'
      ? { type: 'delete', key: key(c.mechanism, c.user) }
      : {
          type: 'put',
          key: key(c.mechanism, c.user),
          value: JSON.stringify({
            salt: c.credential.salt.toString('base64'),
            storedKey: c.credential.storedKey.toString('base64'),
            serverKey: c.credential.serverKey.toString('base64'),
            iterations: c.credential.iterations,
          }),
        }))
    await this.store.txn({ success: ops })
  }
}
