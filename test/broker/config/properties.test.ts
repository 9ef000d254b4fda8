import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseProperties, PropertiesSyntaxError } from '../../../src/broker/config/properties.ts'

const pairs = (text: string) => parseProperties(text).map((e) => [e.key, e.value])

test('comments, blank lines and the three separators', () => {
  const text = '# comment\n! also comment\n\n  a=1\nb : 2\nc 3\nd=\n  e\t=  spaced value  \n'
  assert.deepEqual(pairs(text), [['a', '1'], ['b', '2'], ['c', '3'], ['d', ''], ['e', 'spaced value  ']])
})

test('continuation lines join and drop leading whitespace of the next line', () => {
  assert.deepEqual(pairs('listeners=PLAINTEXT://a:1,\\\n    PLAINTEXT2://b:2\nx=y'), [
    ['listeners', 'PLAINTEXT://a:1,PLAINTEXT2://b:2'], ['x', 'y'],
  ])
})

test('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
  assert.deepEqual(pairs('a=c:\\\\\nb=2'), [['a', 'c:\\'], ['b', '2']])
})

test('escapes in keys and values', () => {
  assert.deepEqual(pairs('my\\=key=v\\tx\\u0041\\n'), [['my=key', 'v\txA\n']])
  assert.deepEqual(pairs('k\\ ey = v'), [['k ey', 'v']])
})

test('CRLF and CR line endings, and line numbers of entries', () => {
  const entries = parseProperties('a=1\r\n#c\r\nb=2\rc=3')
  assert.deepEqual(entries.map((e) => [e.key, e.line]), [['a', 1], ['b', 3], ['c', 4]])
})

test('a malformed unicode escape names its line', () => {
  assert.throws(() => parseProperties('a=1\nb=\\u12'), (err: unknown) => err instanceof PropertiesSyntaxError && /line 2/.test(err.message))
})

test('a comment marker after text is part of the value', () => {
  assert.deepEqual(pairs('a=1 # not a comment'), [['a', '1 # not a comment']])
})
