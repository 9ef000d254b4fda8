// Crash safety with real processes: a child appends with flush.messages=1 and is SIGKILLed at a
// random moment; the log is then opened here and must hold every acknowledged batch at its
// acknowledged offsets, contiguous offsets, only whole CRC-valid batches; and appends continue.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { batchSize } from '../../src/protocol/records/batch-header.ts'
import { LogManager } from '../../src/storage/log-manager.ts'
import { tempDir } from './helpers.ts'

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const BUDGET_MS = 15_000
const MIN_ROUNDS = 5

interface Ack {
  partition: number
  base: number
  last: number
  firstSeq: number
}

function runChild(dir: string, startSeq: number, killAfterMs: number): Promise<{ acks: Ack[]; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(startSeq)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const acks: Ack[] = []
    let buf = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout.setEncoding('utf8')
    child.stderr.on('data', (d) => (stderr += d))
    child.stdout.on('data', (d: string) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        const m = /^ack (\d) (\d+) (\d+) (\d+)$/.exec(line)
        if (m) acks.push({ partition: Number(m[1]), base: Number(m[2]), last: Number(m[3]), firstSeq: Number(m[4]) })
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ acks, code, signal, stderr })
    })
  })
}

test('SIGKILL at random moments never loses an acknowledged batch (fsync-before-ack)', { timeout: 60_000 }, async (t) => {
  const tmp = await tempDir('samsa-crash-')
  const started = Date.now()
  const acked = new Map<string, Ack>() // `${partition}:${base}` -> ack
  let seq = 0
  let rounds = 0
  let totalAcks = 0
  while (rounds < MIN_ROUNDS || Date.now() - started < BUDGET_MS) {
    const run = await runChild(tmp.path, seq, 20 + Math.floor(Math.random() * 300))
    assert.equal(run.signal, 'SIGKILL', `child ended on its own: ${run.stderr}`)
    for (const a of run.acks) acked.set(`${a.partition}:${a.base}`, a)
    totalAcks += run.acks.length
    seq += 1_000_000 // each round's sequence numbers are distinct

    // Open in this process, as a restarted broker would, and check everything.
    const m = await LogManager.open({ logDirs: [tmp.path], cleanerEnabled: false })
    for (const partition of [0, 1]) {
      const log = m.get('crash', partition)
      if (!log) continue
      const byBase = new Map<number, { last: number; firstValue: string }>()
      let expected = 0
      let offset = 0
      while (offset < log.logEndOffset) {
        const r = await log.read(offset, 1 << 20)
        assert.ok(r.batches.length > 0, `data below the log end offset ${log.logEndOffset} at ${offset}`)
        for (const buf of r.batches) {
          for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
            const b = decodeRecordBatch(buf, pos) // verifies the CRC: no partial batch is readable
            assert.equal(b.baseOffset, expected, 'offsets are contiguous')
            expected = b.baseOffset + b.lastOffsetDelta + 1
            byBase.set(b.baseOffset, { last: expected - 1, firstValue: b.records[0]!.value!.toString() })
          }
        }
        offset = expected
      }
      for (const a of acked.values()) {
        if (a.partition !== partition) continue
        const got = byBase.get(a.base)
        assert.ok(got, `acknowledged batch at ${partition}:${a.base} is missing (log end ${log.logEndOffset}, round ${rounds})`)
        assert.equal(got.last, a.last)
        assert.ok(got.firstValue.startsWith(`s${a.firstSeq}`), `batch at ${a.base} holds ${got.firstValue.slice(0, 20)}, acked s${a.firstSeq}`)
      }
    }
    await m.close()
    rounds++
  }
  t.diagnostic(`${rounds} kill/restart rounds, ${totalAcks} acknowledged appends verified`)
  assert.ok(totalAcks > rounds, `appends happened (${totalAcks} acks in ${rounds} rounds)`)
  await tmp.cleanup()
})
