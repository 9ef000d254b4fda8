import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hasCollisionChars, isInternalTopic, topicNameProblem, unifyCollisionChars } from '../../../src/broker/cluster/topic-names.ts'

test('legal topic names: [a-zA-Z0-9._-], 1-249 characters, not "." or ".."', () => {
  for (const ok of ['a', 'A-b_c.d', '__consumer_offsets', 'x'.repeat(249), '...', '0']) assert.equal(topicNameProblem(ok), null, ok)
  for (const bad of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'a\\b', 'ä', 'a:b', 'a\nb', 'a\0']) {
    assert.equal(typeof topicNameProblem(bad), 'string', JSON.stringify(bad))
  }
  assert.equal(typeof topicNameProblem(null), 'string')
})

test('"." and "_" collide; internal topic names are known', () => {
  assert.equal(hasCollisionChars('a.b'), true)
  assert.equal(hasCollisionChars('ab-c'), false)
  assert.equal(unifyCollisionChars('a.b_c'), unifyCollisionChars('a_b.c'))
  assert.equal(isInternalTopic('__consumer_offsets'), true)
  assert.equal(isInternalTopic('__transaction_state'), true)
  assert.equal(isInternalTopic('__other'), false)
})
