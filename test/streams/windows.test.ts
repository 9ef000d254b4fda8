// Windowed aggregations through the TopologyTestDriver: tumbling, hopping, sliding and session
// windows with out-of-order records within grace and late records after it, and suppress.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamsBuilder, Serdes, SessionWindows, SlidingWindows, Suppressed, TimeWindows, TopologyTestDriver } from '../../src/streams/index.ts'
import type { KTable, Windowed } from '../../src/streams/index.ts'

const S = Serdes.String()
const J = Serdes.JSON<number | null>()

/** Builds `windowed(stream)`, pipes key 'k' at the given times, returns "start-end=value" per output. */
function run(windowed: (b: StreamsBuilder) => KTable<Windowed<string>, number>, times: number[]): string[] {
  const b = new StreamsBuilder()
  windowed(b).toStream().map((wk, v): [string, number | null] => [`${wk.window.start}-${wk.window.end}`, v]).to('out', { keySerde: S, valueSerde: J })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('in', S, S)
  for (const t of times) i.pipeInput('k', `v${t}`, t)
  const out = d.createOutputTopic('out', S, J).readKeyValuesToList().map(([k, v]) => `${k}=${v}`)
  d.close()
  return out
}

const grouped = (b: StreamsBuilder) => b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey()

test('tumbling windows: out-of-order within grace updates its window; after grace it is dropped', () => {
  const out = run((b) => grouped(b).windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count(), [1, 5, 12, 3, 16, 2, 19])
  // 3 arrives at stream time 12: [0,10) closes at 10 + 5 = 15, still open. 2 arrives at 16: closed, dropped.
  assert.deepEqual(out, ['0-10=1', '0-10=2', '10-20=1', '0-10=3', '10-20=2', '10-20=3'])
})

test('hopping windows: a record counts in every window that contains it', () => {
  const out = run((b) => grouped(b).windowedBy(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5)).count(), [7, 12])
  assert.deepEqual(out, ['0-10=1', '5-15=1', '5-15=2', '10-20=1'])
})

test('windowed reduce keeps the first value as the initial aggregate', () => {
  const b = new StreamsBuilder()
  grouped(b).windowedBy(TimeWindows.ofSizeWithNoGrace(10)).reduce((a, v) => `${a},${v}`)
    .toStream().map((wk, v): [string, string] => [`${wk.window.start}`, v]).to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('in', S, S)
  i.pipeInput('k', 'a', 1)
  i.pipeInput('k', 'b', 2)
  i.pipeInput('k', 'c', 11)
  assert.deepEqual(d.createOutputTopic('out', S, S).readKeyValuesToList(), [['0', 'a'], ['0', 'a,b'], ['10', 'c']])
  d.close()
})

test('suppress(untilWindowCloses) emits one final result per window once stream time passes end + grace', () => {
  const out = run((b) => grouped(b).windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count().suppress(Suppressed.untilWindowCloses()), [1, 5, 12, 3, 16, 30])
  assert.deepEqual(out, ['0-10=3', '10-20=2'])
})

test('suppress(untilTimeLimit) emits the latest value per key once the limit has passed', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().count().suppress(Suppressed.untilTimeLimit(10))
    .toStream().to('out', { keySerde: S, valueSerde: Serdes.Long() })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('in', S, S)
  i.pipeInput('a', 'x', 0)
  i.pipeInput('a', 'x', 4)
  i.pipeInput('b', 'x', 9)
  i.pipeInput('b', 'x', 10) // a: first buffered at 0, due at 10 -> emitted with count 2
  i.pipeInput('c', 'x', 25) // b due at 19 -> 2
  assert.deepEqual(d.createOutputTopic('out', S, Serdes.Long()).readKeyValuesToList(), [['a', 2], ['b', 2]])
  d.close()
})

test('session windows merge within the inactivity gap, forward deletes of merged sessions, drop late records', () => {
  const out = run((b) => grouped(b).windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 10)).count(), [0, 3, 10, 6, 40, 2])
  assert.deepEqual(out, [
    '0-0=1',
    '0-0=null', '0-3=2',
    '10-10=1',
    '0-3=null', '10-10=null', '0-10=4', // 6 bridges both sessions
    '40-40=1', // 2 at stream time 40: sessions close at end + gap + grace = 25 < 40, dropped
  ])
})

test('suppress(untilWindowCloses) on session windows waits for end + gap + grace', () => {
  const out = run((b) => grouped(b).windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5)).count().suppress(Suppressed.untilWindowCloses()), [0, 3, 8, 20, 30])
  // [0,8] closes at 13: emitted when 20 arrives; [20,20] at 25: when 30 arrives.
  assert.deepEqual(out, ['0-8=3', '20-20=1'])
})

test('sliding windows: left and right windows around records, recomputed for out-of-order records', () => {
  const out = run((b) => grouped(b).windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 100)).count(), [5, 12, 8])
  assert.deepEqual(out, [
    '0-10=1',
    '2-12=2', '6-16=1',
    '0-10=2', '2-12=3', '6-16=2', '9-19=1',
  ])
})

test('sliding windows drop a record whose own window closed before it arrived', () => {
  const out = run((b) => grouped(b).windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10)).count(), [50, 30])
  assert.deepEqual(out, ['40-50=1'])
})
