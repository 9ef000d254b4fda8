// KafkaStreams against a real (in-process) Samsa broker: word count end to end with its state
// transitions; two instances of one application splitting the tasks, then one leaving and the
// other taking its tasks over with state restored from the changelog.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Producer } from '../../src/client/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import { JoinWindows, KafkaStreams, Serdes, StreamsBuilder, TimeWindows } from '../../src/streams/index.ts'
import type { KeyValueStore, StreamsState, ValueAndTimestamp } from '../../src/streams/index.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { latest, readUntil, streamsBroker } from './helpers.ts'

const S = Serdes.String()
const L = Serdes.Long()
let broker: Broker | undefined
const dirs: string[] = []
const apps: KafkaStreams[] = []
after(async () => {
  for (const a of apps) await a.close().catch(() => {})
  await broker?.close()
  for (const d of dirs) removeTempDir(d)
})

const dir = (): string => {
  const d = makeTempDir('samsa-streams-')
  dirs.push(d)
  return d
}

async function setup(topics: { topic: string; numPartitions: number }[]): Promise<string> {
  broker ??= await streamsBroker()
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  await admin.createTopics(topics)
  await admin.close()
  return broker.bootstrap
}

async function produce(bootstrap: string, topic: string, records: [string | null, string][]): Promise<void> {
  const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 0 })
  await p.sendBatch(records.map(([key, value], i) => ({ topic, key, value, timestamp: 1000 + i })))
  await p.close()
}

test('word count end to end: counts on the output topic, CREATED → REBALANCING → RUNNING → PENDING_SHUTDOWN → NOT_RUNNING', { timeout: 20_000 }, async () => {
  const bootstrap = await setup([{ topic: 'wc-in', numPartitions: 2 }, { topic: 'wc-out', numPartitions: 2 }])
  const b = new StreamsBuilder()
  b.stream<string, string>('wc-in', { keySerde: S, valueSerde: S })
    .flatMapValues((v) => v.toLowerCase().split(/\W+/).filter((w) => w !== ''))
    .groupBy((_k, w) => w, { keySerde: S, valueSerde: S })
    .count({ storeName: 'wc-counts' })
    .toStream().to('wc-out', { keySerde: S, valueSerde: L })
  // Caching off: every update is forwarded (the 1, 2, 3 below); with it, updates between commits coalesce (cache.test.ts).
  const app = new KafkaStreams(b.build(), { applicationId: 'wc', bootstrapServers: bootstrap, stateDir: dir(), commitIntervalMs: 100, stateStoreCacheMaxBytes: 0 })
  apps.push(app)
  const states: StreamsState[] = [app.state]
  app.setStateListener((s) => states.push(s))
  await produce(bootstrap, 'wc-in', [['a', 'the quick fox'], ['b', 'The lazy dog'], [null, 'the end'], ['c', 'quick QUICK']])
  await app.start()
  const expected = new Map<string, unknown>([['the', 3], ['quick', 3], ['fox', 1], ['lazy', 1], ['dog', 1], ['end', 1]])
  const out = await readUntil(bootstrap, 'wc-out', (m) => latest(m, (x) => x.readBigInt64BE(0)).size === 6 && [...latest(m, (x) => Number(x.readBigInt64BE(0)))].every(([k, v]) => expected.get(k) === v))
  // Each word's counts arrive in order 1, 2, 3 on its partition.
  const the = out.filter((m) => m.key?.toString() === 'the').map((m) => Number(m.value!.readBigInt64BE(0)))
  assert.deepEqual(the, [1, 2, 3])
  await app.close()
  assert.deepEqual(states.filter((s, i) => s !== states[i - 1]), ['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING'])
  assert.ok(app.processed >= 4)
})

test('two instances share the tasks; when one leaves, the other takes them over with state restored from the changelog', { timeout: 20_000 }, async () => {
  const bootstrap = await setup([{ topic: 'share-in', numPartitions: 4 }])
  const topology = () => {
    const b = new StreamsBuilder()
    b.stream<string, string>('share-in', { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'share-counts' })
    return b.build()
  }
  const keys = Array.from({ length: 12 }, (_, i) => `k${i}`)
  const restored: number[] = []
  const a = new KafkaStreams(topology(), { applicationId: 'share', bootstrapServers: bootstrap, stateDir: dir(), commitIntervalMs: 50, sessionTimeoutMs: 6000, heartbeatIntervalMs: 200,
    restoreListener: { onRestoreEnd: (_tp, _s, n) => restored.push(n) } })
  const bApp = new KafkaStreams(topology(), { applicationId: 'share', bootstrapServers: bootstrap, stateDir: dir(), commitIntervalMs: 50, sessionTimeoutMs: 6000, heartbeatIntervalMs: 200 })
  apps.push(a, bApp)
  const counts = (app: KafkaStreams): Map<string, number> => {
    const m = new Map<string, number>()
    for (const s of app.localStores<KeyValueStore<string, ValueAndTimestamp<number>>>('share-counts')) for (const e of s.all()) m.set(e.key, e.value.value)
    return m
  }
  const waitFor = async (cond: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 12_000
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  await a.start()
  await waitFor(() => a.state === 'RUNNING' && a.activeTasks().length === 4, 'a runs all four tasks')
  await produce(bootstrap, 'share-in', keys.map((k) => [k, 'x']))
  await waitFor(() => [...counts(a).values()].reduce((x, y) => x + y, 0) === 12, 'a counted the first round')
  await bApp.start()
  await waitFor(() => a.state === 'RUNNING' && bApp.state === 'RUNNING' && a.activeTasks().length + bApp.activeTasks().length === 4 && bApp.activeTasks().length === 2, 'the tasks split two and two')
  assert.deepEqual([...a.activeTasks(), ...bApp.activeTasks()].sort(), ['0_0', '0_1', '0_2', '0_3'])
  // b restored its two tasks' counts from the changelog a wrote.
  await waitFor(() => counts(bApp).size > 0, 'b has restored state')
  await produce(bootstrap, 'share-in', keys.map((k) => [k, 'y']))
  const total = () => [...counts(a).values(), ...counts(bApp).values()].reduce((x, y) => x + y, 0)
  await waitFor(() => total() === 24, 'both counted the second round')
  await bApp.close()
  await waitFor(() => a.state === 'RUNNING' && a.activeTasks().length === 4, 'a took all tasks back')
  await produce(bootstrap, 'share-in', keys.map((k) => [k, 'z']))
  await waitFor(() => counts(a).size === 12 && [...counts(a).values()].every((n) => n === 3), 'a counts 3 per key')
  assert.ok(restored.reduce((x, y) => x + y, 0) > 0, 'a restored the tasks it took back from the changelog')
})

test('a windowed join and a windowed count end to end, through a repartition topic', { timeout: 20_000 }, async () => {
  const bootstrap = await setup([{ topic: 'clicks', numPartitions: 2 }, { topic: 'views', numPartitions: 2 }, { topic: 'joined', numPartitions: 1 }, { topic: 'per-page', numPartitions: 1 }])
  const b = new StreamsBuilder()
  const clicks = b.stream<string, string>('clicks', { keySerde: S, valueSerde: S })
  const views = b.stream<string, string>('views', { keySerde: S, valueSerde: S })
  // user -> page; joined when a click follows a view of the same user within 1 s.
  clicks.join(views, (c, v) => `${v}>${c}`, JoinWindows.ofTimeDifferenceWithNoGrace(1000)).to('joined', { keySerde: S, valueSerde: S })
  // Clicks per page per 10 s window: re-keyed by page, so repartitioned.
  clicks.selectKey((_u, page) => page).groupByKey({ keySerde: S, valueSerde: S }).windowedBy(TimeWindows.ofSizeWithNoGrace(10_000)).count()
    .toStream().map((wk, n): [string, string] => [`${wk.key}@${wk.window.start}`, String(n)]).to('per-page', { keySerde: S, valueSerde: S })
  const app = new KafkaStreams(b.build(), { applicationId: 'joins', bootstrapServers: bootstrap, stateDir: dir(), commitIntervalMs: 50 })
  apps.push(app)
  const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 0 })
  await p.sendBatch([
    { topic: 'views', key: 'u1', value: 'home', timestamp: 10_000 },
    { topic: 'views', key: 'u2', value: 'shop', timestamp: 10_000 },
    { topic: 'clicks', key: 'u1', value: 'buy', timestamp: 10_500 },   // joins home (500 ms later)
    { topic: 'clicks', key: 'u2', value: 'buy', timestamp: 12_000 },   // 2 s after: no join
    { topic: 'clicks', key: 'u3', value: 'help', timestamp: 21_000 },
  ])
  await p.close()
  await app.start()
  const joined = await readUntil(bootstrap, 'joined', (m) => m.length >= 1)
  assert.deepEqual(joined.map((m) => [m.key!.toString(), m.value!.toString(), m.timestamp]), [['u1', 'home>buy', 10_500]])
  const counts = await readUntil(bootstrap, 'per-page', (m) => latest(m).get('buy@10000') === '2' && latest(m).get('help@20000') === '1')
  assert.deepEqual([...latest(counts)].sort(), [['buy@10000', '2'], ['help@20000', '1']])
  assert.ok((await new Admin({ bootstrapServers: bootstrap }).listTopics()).some((t) => t.startsWith('joins-') && t.endsWith('-repartition')))
  await app.close()
})
