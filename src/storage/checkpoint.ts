// Checkpoint files in Kafka's text layout (version line, entry count, one entry per line) with a
// trailing `#crc32c <hex>` line over everything before it, so a torn or garbage file is detected
// and ignored (the caller then falls back to the safe choice: full recovery) instead of trusted.
import { readFile } from 'node:fs/promises'
import { crc32c } from '../protocol/records/crc32c.ts'
import { isNotFound, writeFileAtomic } from './fs-util.ts'

const VERSION = '0'

export function encodeCheckpoint(lines: string[]): string {
  const body = `${VERSION}\n${lines.length}\n${lines.map((l) => l + '\n').join('')}`
  return `${body}#crc32c ${crc32c(Buffer.from(body)).toString(16).padStart(8, '0')}\n`
}

/** Entry lines, or undefined when the file is malformed or its checksum does not match. */
export function decodeCheckpoint(text: string): string[] | undefined {
  const m = /^([\s\S]*\n)#crc32c ([0-9a-f]{8})\n$/.exec(text)
  if (!m) return undefined
  const body = m[1]!
  if (crc32c(Buffer.from(body)) !== parseInt(m[2]!, 16)) return undefined
  const lines = body.split('\n')
  lines.pop()
  if (lines[0] !== VERSION) return undefined
  const count = Number(lines[1])
  if (!Number.isInteger(count) || lines.length !== count + 2) return undefined
  return lines.slice(2)
}

export async function writeCheckpoint(path: string, lines: string[]): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(lines))
}

export type CheckpointRead = { status: 'ok'; lines: string[] } | { status: 'missing' } | { status: 'corrupt' }

export async function readCheckpoint(path: string): Promise<CheckpointRead> {
  let text: string
  try {
    text = await readFile(path, 'latin1')
  } catch (e) {
    if (isNotFound(e)) return { status: 'missing' }
    throw e
  }
  const lines = decodeCheckpoint(text)
  return lines ? { status: 'ok', lines } : { status: 'corrupt' }
}

const isOffset = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/** `topic partition offset` lines (recovery point, log start offset, cleaner offset files). */
export function encodeOffsets(map: Map<string, number>): string[] {
  const out: string[] = []
  for (const [key, offset] of map) {
    const dash = key.lastIndexOf('-')
    out.push(`${key.slice(0, dash)} ${key.slice(dash + 1)} ${offset}`)
  }
  return out
}

/** Map keyed by `<topic>-<partition>`; undefined if any line is malformed. */
export function decodeOffsets(lines: string[]): Map<string, number> | undefined {
  const map = new Map<string, number>()
  for (const line of lines) {
    const m = /^(\S+) (\d+) (\d+)$/.exec(line)
    if (!m || !isOffset(Number(m[3]))) return undefined
    map.set(`${m[1]}-${m[2]}`, Number(m[3]))
  }
  return map
}
