// Every join type through the TopologyTestDriver, with inner/left/outer null semantics, windows
// with grace and out-of-order records, and foreign-key joins; expected outputs computed by hand.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { JoinWindows, StreamsBuilder, Serdes, TopologyTestDriver } from '../../src/streams/index.ts'
import type { KStream, KTable } from '../../src/streams/index.ts'

const S = Serdes.String()
const j = (l: string | null, r: string | null): string => `${l}+${r}`
type Rec = [string | null, string | null, number]

function streamsJoin(kind: 'join' | 'leftJoin' | 'outerJoin', steps: ['L' | 'R', string, string, number][]): string[] {
  const b = new StreamsBuilder()
  const l = b.stream<string, string>('left', { keySerde: S, valueSerde: S })
  const r = b.stream<string, string>('right', { keySerde: S, valueSerde: S })
  const w = JoinWindows.ofTimeDifferenceAndGrace(10, 5)
  const out: KStream<string, string> = kind === 'join' ? l.join(r, j, w) : kind === 'leftJoin' ? l.leftJoin(r, j, w) : l.outerJoin(r, j, w)
  out.to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const li = d.createInputTopic('left', S, S)
  const ri = d.createInputTopic('right', S, S)
  for (const [side, k, v, t] of steps) (side === 'L' ? li : ri).pipeInput(k, v, t)
  const res = d.createOutputTopic('out', S, S).readRecordsToList().map((x) => `${x.key}:${x.value}@${x.timestamp}`)
  d.close()
  return res
}

test('stream-stream inner join: partners within the window, result at the later timestamp', () => {
  assert.deepEqual(streamsJoin('join', [['L', 'k', 'a', 0], ['R', 'k', 'x', 5], ['R', 'k', 'y', 20], ['L', 'k', 'b', 15], ['L', 'k2', 'c', 15]]),
    ['k:a+x@5', 'k:b+x@15', 'k:b+y@20'])
})

test('stream-stream left join: unmatched left records join with null only after their window and grace close', () => {
  assert.deepEqual(streamsJoin('leftJoin', [
    ['L', 'k', 'a', 0],    // held: a partner may still come
    ['R', 'k', 'x', 5],    // a+x; a is no longer held
    ['L', 'k', 'c', 1],    // out of order, joins x
    ['L', 'k2', 'd', 3],   // held
    ['R', 'k3', 'z', 30],  // stream time 30 > 3 + 10 + 5: d+null emitted (at d's time); z is not an outer side
    ['L', 'k', 'e', 11],   // too late: x (5) left the window store at stream time 30 (retention 10 + 10 + 5): null-joined
    ['L', 'k4', 'f', 14],  // its window ended (24) before stream time 30: null-joined at once
  ]), ['k:a+x@5', 'k:c+x@5', 'k2:d+null@3', 'k:e+null@11', 'k4:f+null@14'])
  // Out of order but within grace, a right record still meets a held left record.
  assert.deepEqual(streamsJoin('leftJoin', [['L', 'k', 'a', 10], ['L', 'k9', 'b', 24], ['R', 'k', 'x', 2]]), ['k:a+x@10'])
})

test('stream-stream outer join: unmatched records of both sides, each after its own window closes', () => {
  assert.deepEqual(streamsJoin('outerJoin', [
    ['L', 'k', 'a', 0], ['R', 'k2', 'x', 5], ['R', 'k', 'y', 8], ['L', 'k3', 'b', 100],
  ]), ['k:a+y@8', 'k2:null+x@5'])
})

test('stream-stream joins skip null keys and values; outer sides emit a null-key record at once', () => {
  assert.deepEqual(streamsJoin('join', [['L', null as unknown as string, 'a', 0], ['R', 'k', 'x', 1]]), [])
  assert.deepEqual(streamsJoin('leftJoin', [['L', null as unknown as string, 'a', 0]]), ['null:a+null@0'])
})

function tableStream(left: boolean, steps: ['T' | 'S', string | null, string | null, number][]): string[] {
  const b = new StreamsBuilder()
  const t = b.table<string, string>('t', { keySerde: S, valueSerde: S })
  const s = b.stream<string, string>('s', { keySerde: S, valueSerde: S })
  ;(left ? s.leftJoinTable(t, j) : s.joinTable(t, j)).to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const ti = d.createInputTopic('t', S, S)
  const si = d.createInputTopic('s', S, S)
  for (const [side, k, v, ts] of steps) (side === 'T' ? ti : si).pipeInput(k, v, ts)
  const res = d.createOutputTopic('out', S, S).readKeyValuesToList().map(([k, v]) => `${k}:${v}`)
  d.close()
  return res
}

test('stream-table joins: the table value at the time of the stream record; left joins keep unmatched and null-key records', () => {
  const steps: ['T' | 'S', string | null, string | null, number][] = [
    ['T', 'k', 't1', 0], ['S', 'k', 's1', 1], ['S', 'k2', 's2', 2], ['T', 'k', null, 3], ['S', 'k', 's3', 4], ['S', null, 's4', 5], ['S', 'k', null, 6],
  ]
  assert.deepEqual(tableStream(false, steps), ['k:s1+t1'])
  assert.deepEqual(tableStream(true, steps), ['k:s1+t1', 'k2:s2+null', 'k:s3+null', 'null:s4+null'])
})

function tables(kind: 'join' | 'leftJoin' | 'outerJoin', steps: ['L' | 'R', string, string | null, number][]): string[] {
  const b = new StreamsBuilder()
  const l = b.table<string, string>('l', { keySerde: S, valueSerde: S })
  const r = b.table<string, string>('r', { keySerde: S, valueSerde: S })
  const t: KTable<string, string> = kind === 'join' ? l.join(r, j) : kind === 'leftJoin' ? l.leftJoin(r, j) : l.outerJoin(r, j)
  t.toStream().to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const li = d.createInputTopic('l', S, S)
  const ri = d.createInputTopic('r', S, S)
  for (const [side, k, v, ts] of steps) (side === 'L' ? li : ri).pipeInput(k, v, ts)
  const res = d.createOutputTopic('out', S, S).readRecordsToList().map((x) => `${x.value}@${x.timestamp}`)
  d.close()
  return res
}

test('table-table inner, left and outer joins: results, retractions as nulls, timestamps the later of both sides', () => {
  const steps: ['L' | 'R', string, string | null, number][] = [['L', 'k', 'a', 1], ['R', 'k', 'x', 2], ['L', 'k', 'b', 3], ['R', 'k', null, 4], ['L', 'k', null, 5]]
  assert.deepEqual(tables('join', steps), ['a+x@2', 'b+x@3', 'null@4'])
  assert.deepEqual(tables('leftJoin', steps), ['a+null@1', 'a+x@2', 'b+x@3', 'b+null@4', 'null@5'])
  assert.deepEqual(tables('outerJoin', [['R', 'k', 'y', 0], ['L', 'k', 'a', 1], ['L', 'k', null, 2], ['R', 'k', null, 3]]), ['null+y@0', 'a+y@1', 'null+y@2', 'null@3'])
})

function fk(left: boolean, steps: ['O' | 'P', string, string | null, number][]): string[] {
  const b = new StreamsBuilder()
  const orders = b.table<string, string>('orders', { keySerde: S, valueSerde: S })
  const products = b.table<string, string>('products', { keySerde: S, valueSerde: S })
  const extract = (v: string): string | null => (v.includes(':') ? v.split(':')[0]! : null)
  const joiner = (o: string, p: string | null): string => `${o}/${p}`
  ;(left ? orders.leftJoinOnForeignKey(products, extract, joiner) : orders.joinOnForeignKey(products, extract, joiner)).toStream().to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build(), { applicationId: 'fk' })
  const oi = d.createInputTopic('orders', S, S)
  const pi = d.createInputTopic('products', S, S)
  for (const [side, k, v, ts] of steps) (side === 'O' ? oi : pi).pipeInput(k, v, ts)
  const res = d.createOutputTopic('out', S, S).readKeyValuesToList().map(([k, v]) => `${k}=${v}`)
  assert.ok(d.producedTopicNames().some((t) => t.startsWith('fk-KTABLE-FK') && t.endsWith('-subscription-registration-topic')))
  d.close()
  return res
}

test('foreign-key inner join: follows changes on both sides, foreign-key moves and deletes', () => {
  assert.deepEqual(fk(false, [
    ['P', 'p1', 'apple', 1], ['O', 'o1', 'p1:2', 2], ['O', 'o2', 'p9:1', 3], ['P', 'p9', 'grape', 4], ['P', 'p1', 'green apple', 5],
    ['O', 'o1', 'p9:5', 6], ['P', 'p1', 'x', 7], ['O', 'o2', null, 8], ['P', 'p9', null, 9],
  ]), ['o1=p1:2/apple', 'o2=p9:1/grape', 'o1=p1:2/green apple', 'o1=p9:5/grape', 'o2=null', 'o1=null'])
})

test('foreign-key left join: rows without a match or without a foreign key join with null', () => {
  assert.deepEqual(fk(true, [['P', 'p1', 'apple', 1], ['O', 'o1', 'p1:2', 2], ['O', 'o2', 'p9:1', 3], ['O', 'o3', 'x', 4], ['P', 'p1', null, 5], ['O', 'o3', null, 6]]),
    ['o1=p1:2/apple', 'o2=p9:1/null', 'o3=x/null', 'o1=p1:2/null', 'o3=null'])
})

test('stream-GlobalKTable joins through a key selector', () => {
  const b = new StreamsBuilder()
  const customers = b.globalTable<string, string>('customers', { keySerde: S, valueSerde: S })
  const orders = b.stream<string, string>('orders', { keySerde: S, valueSerde: S })
  orders.joinGlobal(customers, (_k, v) => v.split(':')[0]!, (v, c) => `${v}@${c}`).to('inner', { keySerde: S, valueSerde: S })
  orders.leftJoinGlobal(customers, (_k, v) => v.split(':')[0]!, (v, c) => `${v}@${c}`).to('left', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  d.createInputTopic('customers', S, S).pipeInput('c1', 'Ann', 0)
  const o = d.createInputTopic('orders', S, S)
  o.pipeInput('o1', 'c1:book', 1)
  o.pipeInput('o2', 'c2:pen', 2)
  assert.deepEqual(d.createOutputTopic('inner', S, S).readKeyValuesToList(), [['o1', 'c1:book@Ann']])
  assert.deepEqual(d.createOutputTopic('left', S, S).readKeyValuesToList(), [['o1', 'c1:book@Ann'], ['o2', 'c2:pen@null']])
  d.close()
})

export type { Rec }
