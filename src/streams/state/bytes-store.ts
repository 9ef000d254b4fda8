// The byte-level key-value stores under every typed store: keys ordered by their bytes (as
// Kafka's are), values opaque. In memory (a Map, with a sorted key list built lazily for ranges)
// or on disk (lmdb-store.ts). A null value deletes.
import type { Serde } from '../serdes.ts'

export interface BytesKeyValueStore {
  readonly persistent: boolean
  get(key: Buffer): Buffer | undefined
  put(key: Buffer, value: Buffer | null): void
  /** Puts at once, after any pending puts (LMDB: one transaction; `keys` and `values` are not kept). */
  putAll?(keys: readonly Buffer[], values: readonly (Buffer | null)[]): void
  /** Entries with from <= key <= to (either bound null: open), in key order. */
  range(from: Buffer | null, to: Buffer | null): [Buffer, Buffer][]
  count(): number
  flush(): void
  close(): void
  /** Removes everything (a wiped state directory, or restoring from scratch). */
  clear(): void
}

/** A typed store's key as bytes (serialized for `topic`, its changelog); stores hold no null keys. */
export function keyBytesOf<K>(serde: Serde<K>, key: K, topic: string, store: string): Buffer {
  const b = serde.serialize(key, topic)
  if (b === null) throw new Error(`store ${store}: a null key cannot be stored`)
  return b
}

/** latin1 maps each byte to one UTF-16 unit, so JS string order is byte order. */
export const keyString = (b: Buffer): string => b.toString('latin1')

export class InMemoryBytesStore implements BytesKeyValueStore {
  readonly persistent = false
  private readonly map = new Map<string, Buffer>()
  private sorted: string[] | null = null

  get(key: Buffer): Buffer | undefined {
    return this.map.get(keyString(key))
  }

  put(key: Buffer, value: Buffer | null): void {
    const k = keyString(key)
    if (value === null) {
      if (this.map.delete(k)) this.sorted = null
      return
    }
    if (!this.map.has(k)) this.sorted = null
    this.map.set(k, value)
  }

  range(from: Buffer | null, to: Buffer | null): [Buffer, Buffer][] {
    this.sorted ??= [...this.map.keys()].sort()
    const keys = this.sorted
    const lo = from === null ? 0 : lowerBound(keys, keyString(from))
    const hi = to === null ? null : keyString(to)
    const out: [Buffer, Buffer][] = []
    for (let i = lo; i < keys.length; i++) {
      const k = keys[i]!
      if (hi !== null && k > hi) break
      out.push([Buffer.from(k, 'latin1'), this.map.get(k)!])
    }
    return out
  }

  count(): number {
    return this.map.size
  }

  flush(): void {}

  close(): void {}

  clear(): void {
    this.map.clear()
    this.sorted = null
  }
}

/** First index whose string is >= s. */
export function lowerBound(a: readonly string[], s: string): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < s) lo = mid + 1
    else hi = mid
  }
  return lo
}
