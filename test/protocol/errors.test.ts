import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ErrorCode,
  KAFKA_ERRORS,
  KafkaProtocolError,
  errorByName,
  errorInfo,
  errorName,
  isRetriable,
} from '../../src/protocol/errors.ts'

test('error table covers every code from -1 to the newest, once each', () => {
  const codes = KAFKA_ERRORS.map((e) => e.code)
  const max = Math.max(...codes)
  assert.ok(max >= 127)
  assert.deepEqual(codes, Array.from({ length: max + 2 }, (_, i) => i - 1))
  assert.equal(new Set(KAFKA_ERRORS.map((e) => e.name)).size, KAFKA_ERRORS.length)
  for (const e of KAFKA_ERRORS) {
    assert.match(e.name, /^[A-Z][A-Z0-9_]*$/)
    assert.ok(e.message.length > 0)
  }
})

test('named constants and lookups agree with Kafka', () => {
  assert.equal(ErrorCode.NONE, 0)
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1)
  assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3)
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6)
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35)
  assert.equal(ErrorCode.PRODUCER_FENCED, 90)
  assert.equal(ErrorCode.TRANSACTION_ABORTABLE, 120)
  assert.equal(errorName(16), 'NOT_COORDINATOR')
  assert.equal(errorByName('CORRUPT_MESSAGE').code, 2)
  assert.equal(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER), true)
  assert.equal(isRetriable(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), true)
  assert.equal(isRetriable(ErrorCode.TOPIC_AUTHORIZATION_FAILED), false)
  assert.equal(isRetriable(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), false)
})

test('unknown codes get an UNKNOWN row instead of undefined', () => {
  const info = errorInfo(31000)
  assert.equal(info.name, 'UNKNOWN')
  assert.equal(info.retriable, false)
  assert.equal(info.code, 31000)
})

test('KafkaProtocolError carries code, name and retriable', () => {
  const err = new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE)
  assert.ok(err instanceof Error)
  assert.equal(err.code, 2)
  assert.equal(err.errorName, 'CORRUPT_MESSAGE')
  assert.equal(err.retriable, true)
})
