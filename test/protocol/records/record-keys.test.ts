import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.ts'
import { keylessRecordIndexes } from '../../../src/protocol/records/record-keys.ts'
import { RecordsError } from '../../../src/protocol/records/records-error.ts'

const recs = (keys: (string | null)[]) => keys.map((k, i) => ({
  key: k === null ? null : Buffer.from(k), value: Buffer.from(`value-${i}`.repeat(i + 1)), timestamp: 1_700_000_000_000 + i * 1000,
  headers: [{ key: 'h', value: Buffer.from('x') }],
}))

test('keyless records are found by index, uncompressed and for every codec', () => {
  const keys = ['a', null, '', null, 'b']
  for (const compression of [0, 1, 2, 3, 4]) {
    assert.deepEqual(keylessRecordIndexes(buildRecordBatch({ records: recs(keys), compression })), [1, 3], `codec ${compression}`)
  }
  // an empty key is a key; indexes run on across batches
  const two = Buffer.concat([buildRecordBatch({ records: recs(['k']) }), buildRecordBatch({ records: recs([null, 'k', null]), compression: 1 })])
  assert.deepEqual(keylessRecordIndexes(two), [1, 3])
  assert.deepEqual(keylessRecordIndexes(buildRecordBatch({ records: recs(['x', 'y']) })), [])
})

test('a record running past its batch is a RecordsError, not a crash', () => {
  const b = buildRecordBatch({ records: recs(['a', 'b']) })
  const lying = Buffer.from(b)
  lying[61] = 0x7e // first record's length varint: 63, past the batch
  assert.throws(() => keylessRecordIndexes(lying), (e: unknown) => e instanceof RecordsError)
  const short = Buffer.from(b)
  short.writeInt32BE(5, 57) // record count 5, only 2 records present
  assert.throws(() => keylessRecordIndexes(short), (e: unknown) => e instanceof RecordsError)
  assert.throws(() => keylessRecordIndexes(b.subarray(0, 40)), (e: unknown) => e instanceof RecordsError)
})
