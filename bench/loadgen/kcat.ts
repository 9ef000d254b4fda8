// Optional reference figures from librdkafka (kcat): produce a file of newline-delimited values
// with `kcat -P -l`, then read it back with `kcat -C -e`. Wall time includes kcat's start-up and
// metadata round trips (~0.1 s), so use enough messages. kcat's own CPU comes from bash `times`.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

export interface KcatResult {
  messages: number
  ms: number
  cpuMs: number
}

export function kcatAvailable(): boolean {
  return spawnSync('kcat', ['-V']).status === 0
}

/** Writes `count` lines of `size - 1` base64 characters (plus the newline: `size` bytes a record). */
export async function writeValueFile(path: string, size: number, count: number): Promise<void> {
  const out = createWriteStream(path)
  const chars = Math.max(1, size - 1)
  for (let i = 0; i < count; i++) {
    const line = randomBytes(Math.ceil((chars * 3) / 4)).toString('base64').slice(0, chars) + '\n'
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

function timed(script: string, args: string[]): { ms: number; cpuMs: number } {
  const t0 = performance.now()
  // `times` prints the shell's and its children's user/system time on two lines.
  const out = execFileSync('bash', ['-c', `${script} >/dev/null; times`, 'kcat-bench', ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })
  const ms = performance.now() - t0
  const lines = out.trim().split('\n')
  const secs = [...(lines[lines.length - 1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]))
  return { ms, cpuMs: secs.reduce((a, b) => a + b, 0) * 1000 }
}

export function kcatProduce(bootstrap: string, topic: string, file: string, count: number, acks: number): KcatResult {
  const r = timed('kcat -P -b "$1" -t "$2" -p 0 -X linger.ms=5 -X batch.num.messages=10000 -X batch.size=1000000 ' +
    '-X queue.buffering.max.messages=2000000 -X queue.buffering.max.kbytes=2000000 -X acks="$3" -l "$4"', [bootstrap, topic, String(acks), file])
  return { messages: count, ...r }
}

export function kcatConsume(bootstrap: string, topic: string, count: number): KcatResult {
  const r = timed('kcat -C -b "$1" -t "$2" -p 0 -o beginning -e -q -f ""', [bootstrap, topic])
  return { messages: count, ...r }
}
