// Fuzzed segment files: whatever damage a crash or a bad disk leaves after the recovery point,
// opening never crashes or serves a bad batch: what it serves are whole original batches in order.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { decodeRecordBatch } from '../../src/protocol/records/batch-decoder.ts'
import { batchSize } from '../../src/protocol/records/batch-header.ts'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { batch, tempDir } from './helpers.ts'

const CONFIG = logConfig({ 'segment.bytes': 3000, 'index.interval.bytes': 300 })

test('random damage to segment and index files recovers to a valid prefix', async () => {
  const tmp = await tempDir()
  const pristine = join(tmp.path, 'pristine', 'f-0')
  const log = await Log.open({ dir: pristine, config: CONFIG })
  const original = new Map<number, string>() // base offset -> first value
  for (let i = 0; i < 80; i++) original.set((await log.append(batch(1 + (i % 3), `v${i}`))).baseOffset, `v${i}-0`)
  const end = log.logEndOffset
  await log.close()
  const files = (await readdir(pristine)).filter((f) => /\.(log|index|timeindex)$/.test(f)).sort()
  // The base offset field is not covered by the CRC (Kafka's format); damage to it in the very last
  // batch of the log has nothing after it to be checked against, so it cannot be detected.
  const lastLog = files.filter((f) => f.endsWith('.log')).pop()!
  const lastData = await readFile(join(pristine, lastLog))
  let lastBatchPos = 0
  for (let p = 0; p < lastData.length; p += batchSize(lastData, p)) lastBatchPos = p
  let run = 0
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...files),
      fc.nat(),
      fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 8 }) }),
        fc.record({ kind: fc.constant('truncate' as const) }),
        fc.record({ kind: fc.constant('zeros' as const), len: fc.integer({ min: 1, max: 5000 }) }),
        fc.record({ kind: fc.constant('garbage' as const), data: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
      ),
      async (file, at, damage) => {
        if (file === lastLog && damage.kind === 'flip' && lastData.length) {
          const p = at % lastData.length
          fc.pre(!(p < lastBatchPos + 8 && p + damage.bytes.length > lastBatchPos))
        }
        const dir = join(tmp.path, `run-${run++}`, 'f-0')
        await cp(pristine, dir, { recursive: true })
        const path = join(dir, file)
        let data = await readFile(path)
        const pos = data.length ? at % data.length : 0
        if (damage.kind === 'flip') damage.bytes.forEach((b, i) => pos + i < data.length && (data[pos + i]! ^= b || 1))
        if (damage.kind === 'truncate') data = data.subarray(0, pos)
        if (damage.kind === 'zeros') data = Buffer.concat([data.subarray(0, pos), Buffer.alloc(damage.len)])
        if (damage.kind === 'garbage') data = Buffer.concat([data, Buffer.from(damage.data)])
        await writeFile(path, data)
        const opened = await Log.open({ dir, config: CONFIG })
        try {
          assert.ok(opened.logEndOffset <= end)
          // Whole original batches in offset order. A segment cut exactly at a batch boundary leaves
          // a gap before the next segment that reads step over (as in Kafka); a cut inside a batch,
          // or damage, truncates the log there.
          let next = 0
          while (next < opened.logEndOffset) {
            const r = await opened.read(next, 1 << 20)
            assert.ok(r.batches.length > 0)
            for (const buf of r.batches) {
              for (let p = 0; p < buf.length; p += batchSize(buf, p)) {
                const b = decodeRecordBatch(buf, p)
                assert.ok(b.baseOffset >= next)
                assert.equal(b.records[0]!.value!.toString(), original.get(b.baseOffset))
                next = b.baseOffset + b.lastOffsetDelta + 1
              }
            }
          }
          assert.equal((await opened.append(batch(1))).baseOffset, opened.logEndOffset - 1)
        } finally {
          await opened.close()
          await rm(join(dir, '..'), { recursive: true, force: true })
        }
      },
    ),
    { numRuns: 60 },
  )
  await tmp.cleanup()
})
