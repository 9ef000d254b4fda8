// Aggregations, KTable semantics (Change forwarding with old values) and the Processor API
// (stores, punctuation on stream time and wall-clock time) through the TopologyTestDriver.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamsBuilder, Serdes, Stores, Topology, TopologyTestDriver } from '../../src/streams/index.ts'
import type { KeyValueStore, ProcessorContext } from '../../src/streams/index.ts'

const S = Serdes.String()
const L = Serdes.Long()

test('word count: groupBy + count emits the running count per word; the store holds it', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('lines', { keySerde: S, valueSerde: S })
    .flatMapValues((v) => v.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_k, w) => w, { keySerde: S, valueSerde: S })
    .count({ storeName: 'counts' })
    .toStream().to('counts-out', { keySerde: S, valueSerde: L })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('lines', S, S)
  i.pipeInput(null, 'the cat', 10)
  i.pipeInput(null, 'The dog and the cat', 20)
  assert.deepEqual(d.createOutputTopic('counts-out', S, L).readKeyValuesToList(), [
    ['the', 1], ['cat', 1], ['the', 2], ['dog', 1], ['and', 1], ['the', 3], ['cat', 2],
  ])
  assert.deepEqual(d.getTimestampedKeyValueStore<string, number>('counts')!.get('the'), { value: 3, timestamp: 20 })
  d.close()
})

test('reduce and aggregate skip null keys and values; the aggregate timestamp is the latest record time', () => {
  const b = new StreamsBuilder()
  const g = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey()
  g.reduce((a, v) => `${a}+${v}`, { storeName: 'r' }).toStream().to('reduced', { keySerde: S, valueSerde: S })
  g.aggregate(() => 0, (_k, v, a) => a + v.length, { storeName: 'a', valueSerde: L }).toStream().to('summed', { keySerde: S, valueSerde: L })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('in', S, S)
  i.pipeInput('k', 'ab', 5)
  i.pipeInput(null, 'zz', 6)
  i.pipeInput('k', null, 7)
  i.pipeInput('k', 'cde', 3) // out of order: the aggregate keeps timestamp 5
  assert.deepEqual(d.createOutputTopic('reduced', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp]), [['k', 'ab', 5], ['k', 'ab+cde', 5]])
  assert.deepEqual(d.createOutputTopic('summed', S, L).readKeyValuesToList(), [['k', 2], ['k', 5]])
  d.close()
})

test('KTable: source updates forward new and old values; filter turns failing rows into deletes only where a row existed', () => {
  const b = new StreamsBuilder()
  const t = b.table<string, string>('prices', { keySerde: S, valueSerde: S }, { storeName: 'prices-store' })
  const seen: unknown[] = []
  t.filter((_k, v) => Number(v) >= 10).toStream().peek((k, v) => seen.push([k, v])).to('expensive', { keySerde: S, valueSerde: S })
  t.mapValues((v) => `$${v}`).toStream().to('labels', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('prices', S, S)
  i.pipeInput('a', '5', 1)   // filtered out, nothing before: nothing
  i.pipeInput('a', '15', 2)  // now passes
  i.pipeInput('a', '7', 3)   // fails again: a delete
  i.pipeInput('b', '20', 4)
  i.pipeInput('b', null, 5)  // table delete
  assert.deepEqual(d.createOutputTopic('expensive', S, S).readKeyValuesToList(), [['a', '15'], ['a', null], ['b', '20'], ['b', null]])
  assert.deepEqual(d.createOutputTopic('labels', S, S).readKeyValuesToList(), [['a', '$5'], ['a', '$15'], ['a', '$7'], ['b', '$20'], ['b', null]])
  assert.equal(d.getTimestampedKeyValueStore('prices-store')!.get('b' as never), null)
  d.close()
})

test('KTable groupBy + aggregate subtracts old values: totals per region follow moves and deletes', () => {
  const b = new StreamsBuilder()
  // user -> "region:amount"
  b.table<string, string>('users', { keySerde: S, valueSerde: S })
    .groupBy((_user, v): [string, number] => [v.split(':')[0]!, Number(v.split(':')[1])], { keySerde: S, valueSerde: L })
    .aggregate(() => 0, (_r, v, a) => a + v, (_r, v, a) => a - v, { storeName: 'totals', valueSerde: L })
    .toStream().to('totals', { keySerde: S, valueSerde: L })
  const cnt = new StreamsBuilder()
  cnt.table<string, string>('users', { keySerde: S, valueSerde: S }).groupBy((_u, v): [string, string] => [v.split(':')[0]!, v], { keySerde: S, valueSerde: S }).count().toStream().to('counts', { keySerde: S, valueSerde: L })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('users', S, S)
  i.pipeInput('u1', 'eu:10', 1)
  i.pipeInput('u2', 'eu:5', 2)
  i.pipeInput('u1', 'us:10', 3) // moves: eu -10, us +10
  i.pipeInput('u2', 'eu:7', 4)  // same key: one record, -5 +7 (KIP-904)
  i.pipeInput('u2', null, 5)    // delete: eu -7
  assert.deepEqual(d.createOutputTopic('totals', S, L).readKeyValuesToList(), [['eu', 10], ['eu', 15], ['eu', 5], ['us', 10], ['eu', 7], ['eu', 0]])
  d.close()
  const d2 = new TopologyTestDriver(cnt.build())
  const i2 = d2.createInputTopic('users', S, S)
  i2.pipeInput('u1', 'eu:1', 1)
  i2.pipeInput('u2', 'eu:1', 2)
  i2.pipeInput('u1', 'us:1', 3)
  assert.deepEqual(d2.createOutputTopic('counts', S, L).readKeyValuesToList(), [['eu', 1], ['eu', 2], ['eu', 1], ['us', 1]])
  d2.close()
})

test('table reduce with adder and subtractor', () => {
  const b = new StreamsBuilder()
  b.table<string, string>('t', { keySerde: S, valueSerde: S })
    .groupBy((_k, v): [string, string] => ['all', v], { keySerde: S, valueSerde: S })
    .reduce((a, v) => String(Number(a) + Number(v)), (a, v) => String(Number(a) - Number(v)))
    .toStream().to('out', { keySerde: S, valueSerde: S })
  const d = new TopologyTestDriver(b.build())
  const i = d.createInputTopic('t', S, S)
  i.pipeInput('x', '3', 1)
  i.pipeInput('y', '4', 2)
  i.pipeInput('x', '1', 3)
  assert.deepEqual(d.createOutputTopic('out', S, S).readValuesToList(), ['3', '7', '5'])
  d.close()
})

test('Processor API: a store, a stream-time punctuation (aligned to the interval) and a wall-clock one', () => {
  const topology = new Topology()
  topology.addSource('src', 'in', { keySerde: S, valueSerde: S })
  const calls: string[] = []
  topology.addProcessor<string, string, string, string>('dedup', () => {
    let ctx!: ProcessorContext<string, string>
    let seen!: KeyValueStore<string, number>
    return {
      init(c) {
        ctx = c
        seen = c.getStateStore('seen')
        c.schedule(10, 'STREAM_TIME', (t) => {
          calls.push(`stream@${t}`)
          ctx.forward({ key: 'tick', value: `entries=${seen.approximateNumEntries()}`, timestamp: t, headers: [] })
        })
        c.schedule(1000, 'WALL_CLOCK_TIME', (t) => calls.push(`wall@${t}`))
      },
      process(r) {
        if (seen.get(r.key) !== null) return
        seen.put(r.key, r.timestamp)
        ctx.forward(r)
      },
    }
  }, 'src')
  topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('seen'), S, L), 'dedup')
  topology.addSink('sink', 'out', { keySerde: S, valueSerde: S }, 'dedup')
  const d = new TopologyTestDriver(topology, { initialWallClockTimeMs: 0 })
  const i = d.createInputTopic('in', S, S)
  i.pipeInput('a', '1', 3)   // first record: stream-time punctuation at 3
  i.pipeInput('a', '2', 8)   // next due at 10: none
  i.pipeInput('b', '3', 25)  // due: fires once at 25 (missed ones are not replayed), next at 30
  i.pipeInput('c', '4', 29)
  i.pipeInput('d', '5', 12)  // stream time stays 29
  d.advanceWallClockTime(999)
  d.advanceWallClockTime(1)
  assert.deepEqual(calls, ['stream@3', 'stream@25', 'wall@1000'])
  assert.deepEqual(d.createOutputTopic('out', S, S).readKeyValuesToList(), [['a', '1'], ['tick', 'entries=1'], ['b', '3'], ['tick', 'entries=2'], ['c', '4'], ['d', '5']])
  d.close()
})

test('a persistent (LMDB) store in a state directory keeps counts, and the topology description names sub-topologies', () => {
  const b = new StreamsBuilder()
  b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'c', storeType: 'persistent' })
  const topology = b.build()
  assert.match(topology.describe(), /Sub-topology: 0[\s\S]*Source: KSTREAM-SOURCE-0000000000 \(topics: \[in\]\)[\s\S]*Processor: KSTREAM-AGGREGATE-0000000001 \(stores: \[c\]\)/)
  const d = new TopologyTestDriver(topology, { stateDir: 'temp' })
  const i = d.createInputTopic('in', S, S)
  for (let n = 0; n < 100; n++) i.pipeInput(`k${n % 7}`, 'v', n)
  const store = d.getTimestampedKeyValueStore<string, number>('c')!
  assert.equal(store.persistent, true)
  assert.deepEqual(store.get('k0'), { value: 15, timestamp: 98 })
  assert.deepEqual(store.range('k1', 'k2').map((e) => [e.key, e.value.value]), [['k1', 15], ['k2', 14]])
  assert.equal(store.approximateNumEntries(), 7)
  d.close()
})
