// A persistent key-value store on local disk through LMDB (the `lmdb` package): one environment
// per store and task under the state directory. Writes collect in memory and go to disk in one
// synchronous LMDB transaction per flush (commit), so a put costs a Map write; reads look at the
// pending writes (and the last flushed ones) first; `putAll` (a record cache's flush) writes in
// one transaction at once. LMDB
// keeps its data in a memory-mapped B+tree: reads are lookups in the page cache, and a commit is
// one write of the dirty pages.
import { mkdirSync, rmSync } from 'node:fs'
import { open } from 'lmdb'
import type { Database, RootDatabase } from 'lmdb'
import type { BytesKeyValueStore } from './bytes-store.ts'
import { keyString } from './bytes-store.ts'

/** Flushed entries kept readable (beyond it they are all dropped at the next flush). */
const RECENT_MAX = 16_384

export class LmdbBytesStore implements BytesKeyValueStore {
  readonly persistent = true
  private readonly db: RootDatabase<Buffer, Buffer> & Database<Buffer, Buffer>
  /**
   * Written keys: the ones still to go to LMDB (`dirty`, in `pending`) and, after a flush, the
   * flushed ones, kept (up to RECENT_MAX) so that the next update of a key reads and reuses its
   * entry instead of LMDB (with exactly-once's 100 ms commits, nearly every key every commit).
   */
  private readonly recent = new Map<string, { key: Buffer; value: Buffer | null; dirty: boolean }>()
  private pending: { key: Buffer; value: Buffer | null; dirty: boolean }[] = []
  private entries: number

  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true })
    this.db = open<Buffer, Buffer>({ path, keyEncoding: 'binary', encoding: 'binary', compression: false, noSync: true })
    this.entries = this.db.getCount()
  }

  get(key: Buffer): Buffer | undefined {
    const p = this.recent.get(keyString(key))
    if (p !== undefined) return p.value ?? undefined
    return this.db.get(key) ?? undefined
  }

  put(key: Buffer, value: Buffer | null): void {
    const k = keyString(key)
    // A key written again before the flush reuses its entry (and its copy of the key).
    const p = this.recent.get(k)
    if (p === undefined) {
      const e = { key: Buffer.from(key), value, dirty: true }
      this.recent.set(k, e)
      this.pending.push(e)
    } else {
      p.value = value
      if (!p.dirty) {
        p.dirty = true
        this.pending.push(p)
      }
    }
  }

  putAll(keys: readonly Buffer[], values: readonly (Buffer | null)[]): void {
    this.flush()
    // Flushed entries of these keys would be stale.
    this.recent.clear()
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
    for (const { key, value } of this.pending) {
      const there = this.db.doesExist(key)
      if (value === null && there) n--
      else if (value !== null && !there) n++
    }
    return n
  }

  flush(): void {
    if (this.pending.length === 0) return
    const writes = this.pending
    this.pending = []
    this.db.transactionSync(() => {
      for (const w of writes) {
        w.dirty = false
        if (w.value === null) this.db.removeSync(w.key)
        else this.db.putSync(w.key, w.value)
      }
    })
    if (this.recent.size > RECENT_MAX) this.recent.clear()
    this.entries = this.db.getCount()
  }

  close(): void {
    this.flush()
    void this.db.close()
  }

  clear(): void {
    this.pending = []
    this.recent.clear()
    this.db.clearSync()
    this.entries = 0
  }

  /** Removes the store's files (a store being rebuilt from its changelog from scratch). */
  static destroy(path: string): void {
    rmSync(path, { recursive: true, force: true })
  }
}
