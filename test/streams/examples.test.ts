// The examples of docs/streams.md (examples/streams/) run against a real broker and print what the
// docs say they print.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Broker } from '../../src/broker/index.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { streamsBroker } from './helpers.ts'
import { main as wordCount } from '../../examples/streams/word-count.ts'
import { main as windowed } from '../../examples/streams/windowed-aggregation.ts'
import { main as join } from '../../examples/streams/join.ts'
import { main as exactlyOnce } from '../../examples/streams/exactly-once.ts'

let broker: Broker | undefined
const dir = makeTempDir('samsa-streams-examples-')
after(async () => {
  await broker?.close()
  removeTempDir(dir)
})

test('examples/streams: word count, windowed aggregation, join, exactly-once pipeline', { timeout: 20_000 }, async () => {
  broker = await streamsBroker()
  const b = broker.bootstrap
  const counts = await wordCount(b, dir)
  assert.deepEqual([counts.get('kafka'), counts.get('streams'), counts.get('hello')], [3, 2, 1])
  assert.deepEqual(await windowed(b, dir), ['/home 12:00 2', '/home 12:01 1', '/shop 12:01 1'])
  assert.deepEqual(await join(b, dir), ['c1: Ann ordered 12.50', 'c2: Bob ordered 3.00'])
  assert.deepEqual([...(await exactlyOnce(b, dir))].sort(), [['acc-1', 700], ['acc-2', 300]])
})
