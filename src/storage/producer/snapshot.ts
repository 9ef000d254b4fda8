// Producer-state snapshot files `<offset>.snapshot`: the state after every batch below `offset`,
// in Kafka's layout — version int16 (1) | crc uint32 (CRC32C of everything after it) | entries
// (generated ProducerSnapshot codec). A snapshot keeps only each producer's last batch; replaying
// the log from the snapshot offset restores the rest.
import { readdirSync, renameSync, writeFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readProducerSnapshot, writeProducerSnapshot } from '../../protocol/generated/storage/producer-snapshot.ts'
import { Reader, Writer } from '../../protocol/primitives/index.ts'
import { crc32c } from '../../protocol/records/crc32c.ts'
import { PRODUCER_SNAPSHOT_SUFFIX, offsetName, parseSegmentName } from '../file-names.ts'
import { isNotFound, unlinkIfExists, writeFileAtomic } from '../fs-util.ts'
import type { ProducerEntry } from './producer-entry.ts'

const VERSION = 1

export const snapshotPath = (dir: string, offset: number): string => join(dir, offsetName(offset) + PRODUCER_SNAPSHOT_SUFFIX)

export function encodeSnapshot(entries: Iterable<ProducerEntry>): Buffer {
  const producerEntries = []
  for (const e of entries) {
    const last = e.batches[e.batches.length - 1]
    producerEntries.push({
      producerId: BigInt(e.producerId),
      epoch: e.epoch,
      lastSequence: last?.lastSeq ?? -1,
      lastOffset: BigInt(last?.lastOffset ?? -1),
      offsetDelta: last ? last.lastOffset - last.firstOffset : 0,
      timestamp: BigInt(e.lastTimestamp),
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnFirstOffset: BigInt(e.currentTxnFirstOffset),
    })
  }
  const w = new Writer(64 + producerEntries.length * 50)
  w.int16(VERSION)
  writeProducerSnapshot(w, { crc: 0, producerEntries }, VERSION)
  const buf = w.finish()
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2)
  return buf
}

/** Entries of a snapshot file; undefined when it is corrupt or of an unknown version. */
export function decodeSnapshot(buf: Buffer): ProducerEntry[] | undefined {
  if (buf.length < 10 || buf.readInt16BE(0) !== VERSION) return undefined
  if (buf.readUInt32BE(2) !== crc32c(buf.subarray(6))) return undefined
  try {
    const snap = readProducerSnapshot(new Reader(buf, 2), VERSION)
    return snap.producerEntries.map((e) => {
      const lastOffset = Number(e.lastOffset)
      return {
        producerId: Number(e.producerId),
        epoch: e.epoch,
        batches:
          e.lastSequence >= 0 && lastOffset >= 0
            ? [{ firstSeq: seqMinus(e.lastSequence, e.offsetDelta), lastSeq: e.lastSequence, firstOffset: lastOffset - e.offsetDelta, lastOffset }]
            : [],
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnFirstOffset: Number(e.currentTxnFirstOffset),
        lastTimestamp: Number(e.timestamp),
      }
    })
  } catch {
    return undefined
  }
}

/** Sequence numbers wrap from 2^31-1 to 0. */
function seqMinus(seq: number, delta: number): number {
  const v = seq - delta
  return v < 0 ? v + 0x80000000 : v
}

export async function writeSnapshot(dir: string, offset: number, entries: Iterable<ProducerEntry>): Promise<void> {
  await writeFileAtomic(snapshotPath(dir, offset), encodeSnapshot(entries))
}

/** A roll's snapshot file, and the older ones it makes redundant (`stale`). */
export interface RollSnapshot {
  readonly path: string
  readonly stale: readonly string[]
}

/**
 * A roll's snapshot, written and named synchronously (temp file, rename) and not fsynced (as
 * Kafka's takeSnapshot(false)): the caller fsyncs it later, and until then a crash may leave it
 * torn, which loading detects by its CRC and replaces by an older snapshot plus replay. The roll
 * runs inside the append queue: through the thread pool these few small calls queued behind the
 * pool's fsyncs (rolled segments' writeback) for milliseconds to tens of them each time, stalling
 * the partition's appends (session 12). Snapshots older than the newest `keep` below it are only
 * named: the caller removes them once this one is fsynced (an unlink on the event loop took 2-5 ms
 * at the median beside that writeback, up to 40; session 13).
 */
export function writeRollSnapshot(dir: string, offset: number, entries: Iterable<ProducerEntry>, keep: number): RollSnapshot {
  const path = snapshotPath(dir, offset)
  const tmp = `${path}.${process.pid}-roll.tmp`
  writeFileSync(tmp, encodeSnapshot(entries))
  renameSync(tmp, path)
  const older: number[] = []
  for (const n of readdirSync(dir)) {
    const off = parseSegmentName(n, PRODUCER_SNAPSHOT_SUFFIX)
    if (off !== undefined && off < offset) older.push(off)
  }
  older.sort((a, b) => a - b)
  return { path, stale: older.slice(0, Math.max(0, older.length - keep)).map((o) => snapshotPath(dir, o)) }
}

/** Snapshot offsets present in `dir`, ascending. */
export async function listSnapshots(dir: string): Promise<number[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if (isNotFound(e)) return []
    throw e
  }
  const out: number[] = []
  for (const n of names) {
    const off = parseSegmentName(n, PRODUCER_SNAPSHOT_SUFFIX)
    if (off !== undefined) out.push(off)
  }
  return out.sort((a, b) => a - b)
}

export async function readSnapshot(dir: string, offset: number): Promise<ProducerEntry[] | undefined> {
  try {
    return decodeSnapshot(await readFile(snapshotPath(dir, offset)))
  } catch (e) {
    if (isNotFound(e)) return undefined
    throw e
  }
}

export const deleteSnapshot = (dir: string, offset: number): Promise<void> => unlinkIfExists(snapshotPath(dir, offset))
