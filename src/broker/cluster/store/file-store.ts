// The single-node metadata store: KvState kept in memory and persisted as one JSON file
// (`cluster-metadata.json`, format version 2), rewritten atomically after every transaction; a
// transaction resolves (and is seen by watchers) only once its write is on disk, and transactions
// that arrive while a write runs share the next one. Leases are trivially held (one process owns the data directory), and
// leased keys are not persisted: like an etcd lease, they do not outlive their owner. An older
// file format is handed to `migrate` once and rewritten in this layout.
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../atomic-file.ts'
import { KvState } from './kv-state.ts'
import { LeaseNotFoundError, StoreClosedError } from './metadata-store.ts'
import type { KeyValue, MetadataStore, RangeResult, Txn, TxnResult, Watch, WatchBatch, WatchOptions } from './metadata-store.ts'

const FORMAT_VERSION = 2

/** [key, value, createRevision, modRevision, version] */
type StoredKv = [string, string, number, number, number]

interface FileShape {
  version: number
  /** The value of `clusterIdKey`, copied for operators and tools (the key is the truth). */
  clusterId?: string
  revision: number
  keys: StoredKv[]
}

export class MetadataFormatError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: ${message}`)
    this.name = 'MetadataFormatError'
  }
}

export interface FileStoreOptions {
  /** Turns a file of an older format (parsed JSON) into keys and values, or returns undefined. */
  readonly migrate?: (parsed: Record<string, unknown>) => readonly { key: string, value: string }[] | undefined
  /** A key whose value is copied to the file's top-level `clusterId` field. */
  readonly clusterIdKey?: string
}

export class FileMetadataStore implements MetadataStore {
  private readonly leases = new Set<number>()
  private nextLease = 1
  private closed = false
  private writing: Promise<void> | null = null
  private dirty = false
  private waiters: { resolve: () => void, reject: (err: unknown) => void }[] = []

  private constructor(readonly path: string, readonly state: KvState, private readonly opts: FileStoreOptions) {}

  /** Opens (or creates, empty) the store file at `path`. */
  static async open(path: string, opts: FileStoreOptions = {}): Promise<FileMetadataStore> {
    let text: string | null = null
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (text === null) return new FileMetadataStore(path, new KvState(undefined, { holdWatches: true }), opts)
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(text) as Record<string, unknown>
    } catch (err) {
      throw new MetadataFormatError(path, `not valid JSON (${(err as Error).message})`)
    }
    if (typeof parsed !== 'object' || parsed === null) throw new MetadataFormatError(path, 'malformed content')
    if (parsed.version !== FORMAT_VERSION) {
      const migrated = opts.migrate?.(parsed)
      if (!migrated) throw new MetadataFormatError(path, `unsupported format version ${String(parsed.version)}`)
      const kvs = migrated.map((m): KeyValue => ({ key: m.key, value: m.value, createRevision: 1, modRevision: 1, version: 1, lease: 0 }))
      const store = new FileMetadataStore(path, new KvState({ revision: kvs.length > 0 ? 1 : 0, kvs }, { holdWatches: true }), opts)
      await store.persist()
      return store
    }
    const f = parsed as unknown as FileShape
    if (!Number.isInteger(f.revision) || !Array.isArray(f.keys) || !f.keys.every(validStored)) throw new MetadataFormatError(path, 'malformed content')
    const kvs = f.keys.map(([key, value, createRevision, modRevision, version]): KeyValue => ({ key, value, createRevision, modRevision, version, lease: 0 }))
    return new FileMetadataStore(path, new KvState({ revision: f.revision, kvs }, { holdWatches: true }), opts)
  }

  range(prefix: string): Promise<RangeResult> {
    if (this.closed) return Promise.reject(new StoreClosedError())
    return Promise.resolve(this.state.range(prefix))
  }

  async txn(txn: Txn): Promise<TxnResult> {
    if (this.closed) throw new StoreClosedError()
    const before = this.state.revision
    const result = this.state.txn(txn, (id) => { if (!this.leases.has(id)) throw new LeaseNotFoundError(id) })
    if (result.revision !== before) await this.persist()
    return result
  }

  grantLease(_ttlMs: number): Promise<number> {
    const id = this.nextLease++
    this.leases.add(id)
    return Promise.resolve(id)
  }

  keepAlive(lease: number): Promise<void> {
    return this.leases.has(lease) ? Promise.resolve() : Promise.reject(new LeaseNotFoundError(lease))
  }

  async revokeLease(lease: number): Promise<void> {
    if (!this.leases.delete(lease)) return
    const keys = [...this.state.all()].filter((kv) => kv.lease === lease).map((kv) => kv.key)
    if (keys.length > 0) this.state.deleteKeys(keys)
    await this.persist()
  }

  watch(prefix: string, onBatch: (batch: WatchBatch) => void, opts?: WatchOptions): Watch {
    if (this.closed) throw new StoreClosedError()
    return this.state.watch(prefix, onBatch, opts)
  }

  /** Resolves once no write is pending, then refuses further use. */
  async close(): Promise<void> {
    while (this.writing) await this.writing
    this.closed = true
  }

  private persist(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      this.dirty = true
      if (!this.writing) this.writeLoop()
    })
  }

  private writeLoop(): void {
    this.dirty = false
    const waiters = this.waiters
    this.waiters = []
    const keys: StoredKv[] = []
    for (const kv of this.state.all()) if (kv.lease === 0) keys.push([kv.key, kv.value, kv.createRevision, kv.modRevision, kv.version])
    keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    const clusterId = this.opts.clusterIdKey ? this.state.get(this.opts.clusterIdKey)?.value : undefined
    const revision = this.state.revision
    const body: FileShape = { version: FORMAT_VERSION, ...(clusterId ? { clusterId } : {}), revision, keys }
    this.writing = writeFileAtomic(this.path, JSON.stringify(body) + '\n').then(
      () => {
        this.state.release(revision)
        for (const w of waiters) w.resolve()
      },
      (err: unknown) => { for (const w of waiters) w.reject(err) },
    ).finally(() => {
      this.writing = null
      if (this.dirty) this.writeLoop()
    })
  }
}

function validStored(e: unknown): e is StoredKv {
  return Array.isArray(e) && e.length === 5 && typeof e[0] === 'string' && typeof e[1] === 'string' &&
    Number.isInteger(e[2]) && Number.isInteger(e[3]) && Number.isInteger(e[4])
}
