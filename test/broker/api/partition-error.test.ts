// Partition-level failures: storage errors answer with the numeric code they carry.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { partitionFailure } from '../../../src/broker/api/partition-error.ts'
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/errors.ts'
import { StorageError } from '../../../src/storage/errors.ts'

test('storage errors keep their Kafka code; CORRUPT_LOG and KAFKA_STORAGE_ERROR are our fault', () => {
  assert.deepEqual(partitionFailure(new StorageError('OUT_OF_ORDER_SEQUENCE_NUMBER', 'seq')), { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: 'seq', unexpected: false })
  assert.deepEqual(partitionFailure(new StorageError('CORRUPT_LOG', 'bad')), { code: ErrorCode.KAFKA_STORAGE_ERROR, message: 'bad', unexpected: true })
  assert.deepEqual(partitionFailure(new StorageError('KAFKA_STORAGE_ERROR', 'io')), { code: ErrorCode.KAFKA_STORAGE_ERROR, message: 'io', unexpected: true })
  assert.deepEqual(partitionFailure(new KafkaProtocolError(ErrorCode.INVALID_REQUEST, 'x')), { code: ErrorCode.INVALID_REQUEST, message: 'x', unexpected: false })
  assert.equal(partitionFailure(new Error('boom')).code, ErrorCode.UNKNOWN_SERVER_ERROR)
})
