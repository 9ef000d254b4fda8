// A persistent key-value store on local disk through LMDB (the `lmdb` package): one environment
// per store and task under the state directory. Writes collect in memory and go to disk in one
// synchronous LMDB transaction per flush (commit), so a put costs a Map write; reads look at the
// pending writes first; `putAll` (a record cache's flush) writes in one transaction at once. LMDB
// keeps its data in a memory-mapped B+tree: reads are lookups in the page cache, and a commit is
// one write of the dirty pages.
import { mkdirSync, rmSync } from 'node:fs'
import { open } from 'lmdb'
import type { Database, RootDatabase } from 'lmdb'
import type { BytesKeyValueStore } from './bytes-store.ts'
import { keyString } from './bytes-store.ts'

export class LmdbBytesStore implements BytesKeyValueStore {
  readonly persistent = true
  private readonly db: RootDatabase<Buffer, Buffer> & Database<Buffer, Buffer>
  private readonly pending = new Map<string, { key: Buffer; value: Buffer | null }>()
  private entries: number

  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true })
    this.db = open<Buffer, Buffer>({ path, keyEncoding: 'binary', encoding: 'binary', compression: false, noSync: true })
    this.entries = this.db.getCount()
  }

  get(key: Buffer): Buffer | undefined {
    const p = this.pending.get(keyString(key))
    if (p !== undefined) return p.value ?? undefined
    return this.db.get(key) ?? undefined
  }

  put(key: Buffer, value: Buffer | null): void {
    const k = keyString(key)
    // A key written again before the flush reuses its entry (and its copy of the key).
    const p = this.pending.get(k)
    if (p !== undefined) p.value = value
    else this.pending.set(k, { key: Buffer.from(key), value })
  }

  putAll(keys: readonly Buffer[], values: readonly (Buffer | null)[]): void {
    this.flush()
    this.db.transactionSync(() => {
      for (let i = 0; i < keys.length; i++) {
        const v = values[i]!
        if (v === null) this.db.removeSync(keys[i]!)
        else this.db.putSync(keys[i]!, v)
      }
    })
    this.entries = this.db.getCount()
  }

  range(from: Buffer | null, to: Buffer | null): [Buffer, Buffer][] {
    this.flush()
    const out: [Buffer, Buffer][] = []
    const opts: { start?: Buffer; end?: Buffer } = {}
    if (from !== null) opts.start = from
    for (const { key, value } of this.db.getRange(opts)) {
      if (to !== null && Buffer.compare(key, to) > 0) break
      out.push([Buffer.from(key), Buffer.from(value)])
    }
    return out
  }

  count(): number {
    let n = this.entries
    for (const { key, value } of this.pending.values()) {
      const there = this.db.doesExist(key)
      if (value === null && there) n--
      else if (value !== null && !there) n++
    }
    return n
  }

  flush(): void {
    if (this.pending.size === 0) return
    const writes = [...this.pending.values()]
    this.pending.clear()
    this.db.transactionSync(() => {
      for (const w of writes) {
        if (w.value === null) this.db.removeSync(w.key)
        else this.db.putSync(w.key, w.value)
      }
    })
    this.entries = this.db.getCount()
  }

  close(): void {
    this.flush()
    void this.db.close()
  }

  clear(): void {
    this.pending.clear()
    this.db.clearSync()
    this.entries = 0
  }

  /** Removes the store's files (a store being rebuilt from its changelog from scratch). */
  static destroy(path: string): void {
    rmSync(path, { recursive: true, force: true })
  }
}
