// Generator helpers: comment stripping must leave `//` inside strings alone; names and ranges.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stripComments } from '../../../tools/codegen/strip-comments.ts'
import { kebab, propName } from '../../../tools/codegen/names.ts'
import { parseRange, versionCondition } from '../../../tools/codegen/versions.ts'

test('comments are stripped, strings with // and /* survive', () => {
  const text = `// licence\n{ "about": "see https://kafka.apache.org/ /* not a comment */", /* block\n comment */ "a": 1 // trailing\n, "b": "x\\"//y" }`
  assert.deepEqual(JSON.parse(stripComments(text)), { about: 'see https://kafka.apache.org/ /* not a comment */', a: 1, b: 'x"//y' })
})

test('names and version ranges', () => {
  assert.equal(propName('TopicData'), 'topicData')
  assert.equal(propName('ThrottleTimeMs'), 'throttleTimeMs')
  assert.equal(kebab('DescribeUserScramCredentials'), 'describe-user-scram-credentials')
  assert.equal(kebab('ApiVersions'), 'api-versions')
  assert.deepEqual(parseRange('3+'), { lo: 3, hi: Infinity })
  assert.deepEqual(parseRange('0-2'), { lo: 0, hi: 2 })
  assert.deepEqual(parseRange('5'), { lo: 5, hi: 5 })
  assert.ok(parseRange('none').lo > parseRange('none').hi)
  assert.equal(versionCondition(0, 11, 0, 11), 'true')
  assert.equal(versionCondition(9, 11, 0, 11), 'version >= 9')
  assert.equal(versionCondition(0, 8, 0, 11), 'version <= 8')
  assert.equal(versionCondition(3, 8, 0, 11), 'version >= 3 && version <= 8')
  assert.equal(versionCondition(4, 4, 0, 11), 'version === 4')
})
