import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { isControl, isTransactional, verifyCrc } from '../../../src/protocol/records/batch-header.ts'
import { decodeRecordBatch } from '../../../src/protocol/records/batch-decoder.ts'
import {
  ControlRecordType,
  buildEndTxnMarkerBatch,
  decodeControlKey,
  decodeEndTxnMarker,
  encodeControlKey,
  encodeEndTxnMarkerValue,
} from '../../../src/protocol/records/control-record.ts'
import { RecordsError } from '../../../src/protocol/records/records-error.ts'

test('commit/abort marker batches round-trip', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(ControlRecordType.Abort, ControlRecordType.Commit),
      fc.integer({ min: 0, max: 2 ** 50 }),
      fc.integer({ min: 0, max: 32767 }),
      fc.integer({ min: -1, max: 2 ** 31 - 1 }),
      fc.integer({ min: 0, max: 2 ** 45 }),
      (type, producerId, producerEpoch, coordinatorEpoch, timestamp) => {
        const buf = buildEndTxnMarkerBatch({ type, producerId, producerEpoch, coordinatorEpoch, timestamp, baseOffset: 77 })
        assert.ok(verifyCrc(buf))
        assert.ok(isControl(buf))
        assert.ok(isTransactional(buf))
        const batch = decodeRecordBatch(buf)
        assert.equal(batch.producerId, producerId)
        assert.equal(batch.producerEpoch, producerEpoch)
        assert.equal(batch.baseOffset, 77)
        assert.equal(batch.baseTimestamp, timestamp)
        assert.equal(batch.records.length, 1)
        assert.deepEqual(decodeEndTxnMarker(batch.records[0]!), { type, coordinatorEpoch })
      },
    ),
  )
})

test('control key and marker value have the Kafka layout', () => {
  assert.deepEqual(encodeControlKey(ControlRecordType.Commit), Buffer.from([0, 0, 0, 1]))
  assert.deepEqual(encodeControlKey(ControlRecordType.Abort), Buffer.from([0, 0, 0, 0]))
  assert.deepEqual(encodeEndTxnMarkerValue(5), Buffer.from([0, 0, 0, 0, 0, 5]))
  assert.deepEqual(decodeControlKey(Buffer.from([0, 0, 0, 2])), { version: 0, type: ControlRecordType.LeaderChange })
})

test('malformed control records are typed errors', () => {
  const rec = (key: Buffer | null, value: Buffer | null) => ({ attributes: 0, timestampDelta: 0, offsetDelta: 0, key, value, headers: [] })
  const bad = (e: unknown) => e instanceof RecordsError && e.reason === 'invalid'
  assert.throws(() => decodeControlKey(null), bad)
  assert.throws(() => decodeControlKey(Buffer.from([0, 0, 1])), bad)
  assert.throws(() => decodeEndTxnMarker(rec(encodeControlKey(2), encodeEndTxnMarkerValue(1))), bad)
  assert.throws(() => decodeEndTxnMarker(rec(encodeControlKey(1), null)), bad)
  assert.throws(() => decodeEndTxnMarker(rec(encodeControlKey(1), Buffer.from([0, 0, 0]))), bad)
})
