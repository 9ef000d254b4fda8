// Test helpers: temp dirs and record batches built with the protocol's batch builder.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import type { RecordInput } from '../../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { batchSize, lastOffset } from '../../src/protocol/records/batch-header.ts'
import type { StorageLogger } from '../../src/storage/logger.ts'

export async function tempDir(prefix = 'samsa-storage-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) }
}

/** A batch of `n` records with values `${tag}-${i}`. */
export function batch(n: number, tag = 'v', opts: { timestamp?: number; key?: (i: number) => string | null; compression?: number } = {}): Buffer {
  const records: RecordInput[] = []
  for (let i = 0; i < n; i++) {
    const k = opts.key?.(i)
    records.push({ key: k == null ? null : Buffer.from(k), value: Buffer.from(`${tag}-${i}`), timestamp: opts.timestamp ?? 1_700_000_000_000 + i })
  }
  return buildRecordBatch({ records, compression: opts.compression ?? 0 })
}

/** A batch of about `bytes` bytes with one record. */
export function sizedBatch(bytes: number, timestamp = 1_700_000_000_000): Buffer {
  return buildRecordBatch({ records: [{ value: Buffer.alloc(Math.max(0, bytes - 80), 0x61), timestamp }] })
}

/** Every record value (as string) with its offset, from read results. */
export function decodeAll(bufs: Buffer[]): { offset: number; key: string | null; value: string | null }[] {
  const out: { offset: number; key: string | null; value: string | null }[] = []
  for (const buf of bufs) {
    for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
      const b = decodeRecordBatch(buf, pos)
      for (const r of b.records) {
        out.push({ offset: b.baseOffset + r.offsetDelta, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })
      }
    }
  }
  return out
}

export interface LogLine {
  level: string
  obj: object
  msg: string
}

export function recordingLogger(): StorageLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  }
}

/** Offset after the last batch in read results (a consumer's next fetch offset). */
export function nextOffsetAfter(bufs: Buffer[]): number {
  let next = -1
  for (const buf of bufs) {
    for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) next = lastOffset(buf, pos) + 1
  }
  return next
}
