// MessageSets built by kafka-python (fixtures/make-legacy.py): an independent implementation of
// magic 0/1, plain and gzip-wrapped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { decodeRecordBatch, recordTimestamp } from '../../../src/protocol/records/batch-decoder.ts'
import { batchesToLegacy, legacyToBatches } from '../../../src/protocol/records/legacy/convert.ts'
import { NO_TIMESTAMP } from '../../../src/protocol/records/legacy/message.ts'
import { decodeMessageSet, encodeMessageSet } from '../../../src/protocol/records/legacy/message-set.ts'

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url))
const meta = JSON.parse(readFileSync(dir + 'kafka-python-legacy.json', 'utf8')) as {
  records: { offset: number; timestamp: number; key: string | null; value: string | null }[]
}
const str = (b: Buffer | null): string | null => b?.toString('utf8') ?? null

for (const magic of [0, 1] as const) {
  for (const codec of ['none', 'gzip']) {
    const bytes = readFileSync(`${dir}kafka-python-v${magic}-${codec}.bin`)

    test(`kafka-python v${magic} ${codec}: decodes to the records it was given`, () => {
      const { records, partialBytes } = decodeMessageSet(bytes)
      assert.equal(partialBytes, 0)
      const first = records[0]!.offset
      assert.deepEqual(
        records.map((r) => ({ offset: r.offset - first, timestamp: r.timestamp, key: str(r.key), value: str(r.value) })),
        meta.records.map((r) => ({ ...r, timestamp: magic === 0 ? NO_TIMESTAMP : r.timestamp })),
      )
      assert.ok(records.every((r) => r.magic === magic && r.compression === (codec === 'gzip' ? 1 : 0)))
    })

    test(`kafka-python v${magic} ${codec}: converts to magic 2 and back without loss`, () => {
      const v2 = legacyToBatches(bytes)
      const batch = decodeRecordBatch(v2)
      assert.equal(batch.compression, codec === 'gzip' ? 1 : 0)
      assert.deepEqual(
        batch.records.map((r) => [str(r.key), str(r.value), recordTimestamp(batch, r)]),
        meta.records.map((r) => [r.key, r.value, magic === 0 ? NO_TIMESTAMP : r.timestamp]),
      )
      const back = decodeMessageSet(batchesToLegacy(v2, { magic }).messageSet).records
      assert.deepEqual(back.map((r) => [r.offset, r.timestamp, str(r.key), str(r.value)]), decodeMessageSet(bytes).records.map((r) => [r.offset, r.timestamp, str(r.key), str(r.value)]))
    })
  }

  test(`kafka-python v${magic} none: our encoder writes the same bytes`, () => {
    const bytes = readFileSync(`${dir}kafka-python-v${magic}-none.bin`)
    const ours = encodeMessageSet(
      meta.records.map((r) => ({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.from(r.value),
      })),
      { magic },
    )
    assert.deepEqual(ours, bytes)
  })
}
