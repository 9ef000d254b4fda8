// Stateless DSL operators through the TopologyTestDriver, with hand-computed outputs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamsBuilder, Serdes, TopologyTestDriver } from '../../src/streams/index.ts'
import type { KStream } from '../../src/streams/index.ts'

const S = Serdes.String()
const I = Serdes.Integer()

function run<K, V>(build: (b: StreamsBuilder) => void, input: [string | null, string | null, number][], out: string, ks = S as unknown, vs = S as unknown): [K | null, V | null][] {
  const b = new StreamsBuilder()
  build(b)
  const d = new TopologyTestDriver(b.build())
  try {
    const inTopic = d.createInputTopic('in', S, S)
    for (const [k, v, ts] of input) inTopic.pipeInput(k, v, ts)
    return d.createOutputTopic(out, ks as typeof S, vs as typeof S).readKeyValuesToList() as [K | null, V | null][]
  } finally {
    d.close()
  }
}

const src = (b: StreamsBuilder): KStream<string, string> => b.stream<string, string>('in', { keySerde: S, valueSerde: S })

test('filter, filterNot, mapValues, map, selectKey, flatMap, flatMapValues, peek', () => {
  const input: [string, string, number][] = [['a', 'apple pie', 1], ['b', 'banana', 2], ['c', 'cherry tart', 3]]
  assert.deepEqual(run((b) => src(b).filter((_k, v) => v.includes(' ')).to('out', { keySerde: S, valueSerde: S }), input, 'out'), [['a', 'apple pie'], ['c', 'cherry tart']])
  assert.deepEqual(run((b) => src(b).filterNot((_k, v) => v.includes(' ')).to('out', { keySerde: S, valueSerde: S }), input, 'out'), [['b', 'banana']])
  assert.deepEqual(run((b) => src(b).mapValues((v, k) => `${k}:${v.length}`).to('out', { keySerde: S, valueSerde: S }), input, 'out'), [['a', 'a:9'], ['b', 'b:6'], ['c', 'c:11']])
  assert.deepEqual(run((b) => src(b).map((k, v) => [v.slice(0, 1), k.toUpperCase()]).to('out', { keySerde: S, valueSerde: S }), input, 'out'), [['a', 'A'], ['b', 'B'], ['c', 'C']])
  assert.deepEqual(run((b) => src(b).selectKey((_k, v) => v.length).to('out', { keySerde: I, valueSerde: S }), input, 'out', I), [[9, 'apple pie'], [6, 'banana'], [11, 'cherry tart']])
  assert.deepEqual(run((b) => src(b).flatMap((k, v) => v.split(' ').map((w): [string, string] => [w, k])).to('out', { keySerde: S, valueSerde: S }), input, 'out'),
    [['apple', 'a'], ['pie', 'a'], ['banana', 'b'], ['cherry', 'c'], ['tart', 'c']])
  assert.deepEqual(run((b) => src(b).flatMapValues((v) => v.split(' ')).to('out', { keySerde: S, valueSerde: S }), input, 'out'),
    [['a', 'apple'], ['a', 'pie'], ['b', 'banana'], ['c', 'cherry'], ['c', 'tart']])
  const seen: string[] = []
  assert.deepEqual(run((b) => src(b).peek((k) => seen.push(k)).to('out', { keySerde: S, valueSerde: S }), input, 'out').length, 3)
  assert.deepEqual(seen, ['a', 'b', 'c'])
})

test('records keep their timestamps through stateless operators; null values pass as tombstones', () => {
  const b = new StreamsBuilder()
  src(b).mapValues((v) => (v === null ? null : v.toUpperCase())).to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('in', S, S)
  i.pipeInput('k', 'x', 42)
  i.pipeInput('k', null, 43)
  assert.deepEqual(d.createOutputTopic('out', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp]), [['k', 'X', 42], ['k', null, 43]])
  d.close()
})

test('split: first matching branch wins, default branch takes the rest, names are prefix + name or index', () => {
  const b = new StreamsBuilder()
  const branches = src(b).split('n-')
    .branch((_k, v) => Number(v) < 0, { name: 'neg' })
    .branch((_k, v) => Number(v) % 2 === 0)
    .defaultBranch()
  assert.deepEqual([...branches.keys()], ['n-neg', 'n-2', 'n-0'])
  branches.get('n-neg')!.to('neg', { keySerde: S, valueSerde: S })
  branches.get('n-2')!.to('even', { keySerde: S, valueSerde: S })
  branches.get('n-0')!.to('rest', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('in', S, S)
  for (const v of ['-2', '4', '7', '-1', '0']) i.pipeInput('k', v, 1)
  assert.deepEqual(d.createOutputTopic('neg', S, S).readValuesToList(), ['-2', '-1'])
  assert.deepEqual(d.createOutputTopic('even', S, S).readValuesToList(), ['4', '0'])
  assert.deepEqual(d.createOutputTopic('rest', S, S).readValuesToList(), ['7'])
  d.close()
})

test('merge interleaves in processing order; to() with a per-record topic', () => {
  const b = new StreamsBuilder()
  const a = b.stream<string, string>('a', { keySerde: S, valueSerde: S })
  const c = b.stream<string, string>('c', { keySerde: S, valueSerde: S })
  a.merge(c).to((_k, v) => (v.startsWith('x') ? 'xs' : 'others'), { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  d.createInputTopic('a', S, S).pipeInput('1', 'x1', 1)
  d.createInputTopic('c', S, S).pipeInput('2', 'y2', 2)
  d.createInputTopic('a', S, S).pipeInput('3', 'x3', 3)
  assert.deepEqual(d.createOutputTopic('xs', S, S).readKeyValuesToList(), [['1', 'x1'], ['3', 'x3']])
  assert.deepEqual(d.createOutputTopic('others', S, S).readKeyValuesToList(), [['2', 'y2']])
  d.close()
})

test('repartition() and key-changing operators route through a repartition topic named after the application', () => {
  const b = new StreamsBuilder()
  src(b).selectKey((_k, v) => v).groupByKey({ keySerde: S, valueSerde: S }).count({ storeName: 'by-value' })
  const d = new TopologyTestDriver(b.build(), { applicationId: 'app' })
  const i = d.createInputTopic('in', S, S)
  i.pipeInput('a', 'x', 1)
  i.pipeInput('b', 'x', 2)
  i.pipeInput('c', 'y', 3)
  assert.ok(d.producedTopicNames().includes('app-by-value-repartition'))
  assert.deepEqual(d.createOutputTopic('app-by-value-repartition', S, S).readKeyValuesToList(), [['x', 'x'], ['x', 'x'], ['y', 'y']])
  const store = d.getTimestampedKeyValueStore<string, number>('by-value')!
  assert.deepEqual(store.get('x'), { value: 2, timestamp: 2 })
  assert.deepEqual(store.get('y'), { value: 1, timestamp: 3 })
  // Its changelog carries the latest count per key at each commit (one commit per input record here).
  assert.deepEqual(d.createOutputTopic('app-by-value-changelog', S, Serdes.Buffer()).readRecordsToList().map((r) => r.key), ['x', 'x', 'y'])
  d.close()
})

test('explicit repartition with a name; toTable materializes the latest value per key', () => {
  const b = new StreamsBuilder()
  const t = src(b).repartition({ name: 'again' }).toTable({ storeName: 'latest', keySerde: S, valueSerde: S })
  t.toStream().to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build(), { applicationId: 'app' })
  const i = d.createInputTopic('in', S, S)
  i.pipeInput('a', '1', 1)
  i.pipeInput('a', '2', 2)
  i.pipeInput('a', null, 3)
  assert.ok(d.producedTopicNames().includes('app-again-repartition'))
  assert.deepEqual(d.createOutputTopic('out', S, S).readKeyValuesToList(), [['a', '1'], ['a', '2'], ['a', null]])
  assert.equal(d.getKeyValueStore('latest')!.get('a' as never), null)
  d.close()
})

test('Long serde: the bytes of Kafka\'s LongSerializer (big-endian int64), exact to 2^53, rounded beyond as before', () => {
  const L = Serdes.Long()
  const values = [0, 1, -1, 255, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, -(2 ** 32) - 1, 123456789012345, -123456789012345, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 60, -(2 ** 62), 12.7, -12.7]
  for (const v of values) {
    const bytes = L.serialize(v)!
    const expected = Buffer.alloc(8)
    expected.writeBigInt64BE(BigInt(Math.trunc(v)))
    assert.deepEqual(bytes, expected, String(v))
    assert.equal(L.deserialize(bytes), Number(BigInt(Math.trunc(v))), String(v))
  }
  const max = Buffer.alloc(8)
  max.writeBigInt64BE(2n ** 63n - 1n)
  assert.equal(L.deserialize(max), Number(2n ** 63n - 1n))
})
