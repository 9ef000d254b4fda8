// Aborted transactions of one partition, kept beside each segment in `<base>.txnindex` (Kafka's
// format: 34-byte entries `version int16 (0) | producerId int64 | firstOffset int64 |
// lastOffset int64 | lastStableOffset int64`). An entry lives in the file of the segment holding
// its abort marker (`lastOffset`). Storage deletes the file with its segment; this class keeps an
// in-memory copy (sorted by lastOffset: markers are appended in offset order) that read_committed
// fetches query.
import { open, readdir, readFile, truncate } from 'node:fs/promises'
import { readInt64, writeInt64 } from '../protocol/records/batch-header.ts'
import { TXN_INDEX_SUFFIX, parseSegmentName, segmentFile } from './file-names.ts'
import { isNotFound, writeFileAtomic } from './fs-util.ts'

export const TXN_ENTRY_SIZE = 34

export interface AbortedTxn {
  producerId: number
  firstOffset: number
  lastOffset: number
  /** The partition's last stable offset right after this abort was written. */
  lastStableOffset: number
}

interface Stored extends AbortedTxn {
  segment: number
}

export function encodeAbortedTxn(t: AbortedTxn): Buffer {
  const b = Buffer.alloc(TXN_ENTRY_SIZE)
  b.writeInt16BE(0, 0)
  writeInt64(b, 2, t.producerId)
  writeInt64(b, 10, t.firstOffset)
  writeInt64(b, 18, t.lastOffset)
  writeInt64(b, 26, t.lastStableOffset)
  return b
}

/** Whole entries of a file; a torn tail (crash mid-write) or an unknown version ends the list. */
export function decodeAbortedTxns(buf: Buffer): AbortedTxn[] {
  const out: AbortedTxn[] = []
  for (let p = 0; p + TXN_ENTRY_SIZE <= buf.length; p += TXN_ENTRY_SIZE) {
    if (buf.readInt16BE(p) !== 0) break
    out.push({ producerId: readInt64(buf, p + 2), firstOffset: readInt64(buf, p + 10), lastOffset: readInt64(buf, p + 18), lastStableOffset: readInt64(buf, p + 26) })
  }
  return out
}

export class TxnIndex {
  private entries: Stored[] = []
  /** File writes in order; awaited before snapshots and on close. */
  private writes: Promise<void> = Promise.resolve()
  private failure: unknown

  constructor(readonly dir: string) {}

  /** Loads every `<base>.txnindex` of the given segments, dropping entries at/after `dropFrom`. */
  async load(segmentBases: readonly number[], dropFrom: number): Promise<void> {
    const live = new Set(segmentBases)
    const files: number[] = []
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (e) {
      if (isNotFound(e)) return
      throw e
    }
    for (const name of names) {
      const base = parseSegmentName(name, TXN_INDEX_SUFFIX)
      if (base !== undefined && live.has(base)) files.push(base)
    }
    files.sort((a, b) => a - b)
    const all: Stored[] = []
    for (const base of files) {
      const path = segmentFile(this.dir, base, TXN_INDEX_SUFFIX)
      const buf = await readFile(path)
      const list = decodeAbortedTxns(buf)
      const keep = list.filter((t) => t.lastOffset < dropFrom)
      if (keep.length * TXN_ENTRY_SIZE !== buf.length) await truncate(path, keep.length * TXN_ENTRY_SIZE)
      for (const t of keep) all.push({ ...t, segment: base })
    }
    all.sort((a, b) => a.lastOffset - b.lastOffset)
    this.entries = all
  }

  get size(): number {
    return this.entries.length
  }

  /** Records an abort whose marker is in the segment starting at `segment` (written in order). */
  append(t: AbortedTxn, segment: number): void {
    this.entries.push({ ...t, segment })
    const bytes = encodeAbortedTxn(t)
    const path = segmentFile(this.dir, segment, TXN_INDEX_SUFFIX)
    this.writes = this.writes.then(async () => {
      const fh = await open(path, 'a')
      try {
        await fh.write(bytes)
      } finally {
        await fh.close()
      }
    }).catch((e) => {
      this.failure ??= e
    })
  }

  /** Waits for queued file writes; rethrows the first write failure. */
  async flush(): Promise<void> {
    await this.writes
    if (this.failure) throw this.failure
  }

  /**
   * Aborted transactions a read_committed fetch of [fetchOffset, upperBound) must be told about:
   * those ending at/after fetchOffset and starting before upperBound.
   */
  collect(fetchOffset: number, upperBound: number): AbortedTxn[] {
    const out: AbortedTxn[] = []
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.entries[mid]!.lastOffset < fetchOffset) lo = mid + 1
      else hi = mid
    }
    for (let i = lo; i < this.entries.length; i++) {
      const e = this.entries[i]!
      if (e.firstOffset < upperBound) out.push({ producerId: e.producerId, firstOffset: e.firstOffset, lastOffset: e.lastOffset, lastStableOffset: e.lastStableOffset })
    }
    return out
  }

  /** The log lost everything at/after `offset`: forget (and cut from files) entries ending there. */
  truncateTo(offset: number): void {
    const cut = this.entries.findIndex((e) => e.lastOffset >= offset)
    if (cut < 0) return
    const removed = this.entries.splice(cut)
    const segments = new Set(removed.map((e) => e.segment))
    for (const seg of segments) {
      const keep = this.entries.filter((e) => e.segment === seg).length
      const path = segmentFile(this.dir, seg, TXN_INDEX_SUFFIX)
      this.writes = this.writes.then(() => truncate(path, keep * TXN_ENTRY_SIZE)).catch((e) => {
        if (!isNotFound(e)) this.failure ??= e
      })
    }
  }

  /**
   * Removes these entries (matched by producer id and marker offset) and rewrites the files of the
   * segments that held them (atomically: a crash leaves the old or the new file).
   */
  forget(txns: readonly AbortedTxn[]): void {
    const gone = new Set(txns.map((t) => `${t.producerId}:${t.lastOffset}`))
    const segments = new Set<number>()
    this.entries = this.entries.filter((e) => {
      if (!gone.has(`${e.producerId}:${e.lastOffset}`)) return true
      segments.add(e.segment)
      return false
    })
    for (const seg of segments) {
      const kept = this.entries.filter((e) => e.segment === seg).map(encodeAbortedTxn)
      const path = segmentFile(this.dir, seg, TXN_INDEX_SUFFIX)
      this.writes = this.writes.then(() => writeFileAtomic(path, Buffer.concat(kept))).catch((e) => {
        this.failure ??= e
      })
    }
  }

  /** Entries wholly below the log start offset are unreachable (their files go with their segments). */
  dropBefore(logStartOffset: number): void {
    let n = 0
    while (n < this.entries.length && this.entries[n]!.lastOffset < logStartOffset) n++
    if (n > 0) this.entries.splice(0, n)
  }
}
