// Standby replicas and host metadata against a real (in-process) Samsa broker: two instances with
// `numStandbyReplicas: 1` each keep a warm copy of the other's task; every instance can tell which
// one holds a key (`applicationServer` in the assignment); when one leaves, the other takes its
// task over from the standby's copy and restores nothing from the changelog.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Producer } from '../../src/client/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../../src/streams/index.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { streamsBroker } from './helpers.ts'

const S = Serdes.String()
let broker: Broker | undefined
const dirs: string[] = []
const apps: KafkaStreams[] = []
after(async () => {
  for (const a of apps) await a.close().catch(() => {})
  await broker?.close()
  for (const d of dirs) removeTempDir(d)
})

const dir = (): string => {
  const d = makeTempDir('samsa-streams-sb-')
  dirs.push(d)
  return d
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

test('standby replicas stay warm, host metadata finds each key, and a takeover restores only the tail', { timeout: 20_000 }, async () => {
  broker = await streamsBroker()
  const bootstrap = broker.bootstrap
  const admin = new Admin({ bootstrapServers: bootstrap })
  await admin.createTopics([{ topic: 'sb-in', numPartitions: 2 }])
  await admin.close()
  const topology = () => {
    const b = new StreamsBuilder()
    // In memory: without a standby, a takeover would restore the whole changelog partition.
    b.stream<string, string>('sb-in', { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'sb-counts', storeType: 'in-memory' })
    return b.build()
  }
  let restoredAfterTakeover = 0
  let takingOver = false
  const common = { applicationId: 'sb', bootstrapServers: bootstrap, commitIntervalMs: 50, sessionTimeoutMs: 6000, heartbeatIntervalMs: 200, numStandbyReplicas: 1 }
  const a = new KafkaStreams(topology(), { ...common, stateDir: dir(), applicationServer: 'host-a:1001',
    restoreListener: { onRestoreEnd: (_tp, _s, n) => { if (takingOver) restoredAfterTakeover += n } } })
  const b = new KafkaStreams(topology(), { ...common, stateDir: dir(), applicationServer: 'host-b:1002' })
  apps.push(a, b)
  const sum = (app: KafkaStreams, includeStandby: boolean): number => {
    let n = 0
    for (const s of app.localStores<KeyValueStore<string, ValueAndTimestamp<number>>>('sb-counts', { includeStandby })) for (const e of s.all()) n += e.value.value
    return n
  }
  await a.start()
  await b.start()
  await waitFor(() => a.state === 'RUNNING' && b.state === 'RUNNING' && a.activeTasks().length === 1 && b.activeTasks().length === 1
    && a.standbyTasks().length === 1 && b.standbyTasks().length === 1, 'one active and one standby task each')
  assert.deepEqual(a.standbyTasks(), b.activeTasks())
  assert.deepEqual(b.standbyTasks(), a.activeTasks())

  const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`)
  const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 0 })
  for (let round = 0; round < 5; round++) await p.sendBatch(keys.map((key, i) => ({ topic: 'sb-in', key, value: 'x', timestamp: 1000 + round * 100 + i })))
  // Each instance's active and standby copies together hold every count once the standbys caught up.
  await waitFor(() => sum(a, false) + sum(b, false) === 100 && sum(a, true) === 100 && sum(b, true) === 100, 'standbys caught up')
  assert.ok(a.standbyRecordsApplied > 0 && b.standbyRecordsApplied > 0)

  // Host metadata: both instances agree on each key's host, and that host has the key.
  const all = a.metadataForAllStreamsClients()
  assert.deepEqual(all.map((m) => `${m.hostInfo.host}:${m.hostInfo.port}`), ['host-a:1001', 'host-b:1002'])
  assert.deepEqual(all.flatMap((m) => m.topicPartitions.map((tp) => tp.partition)).sort(), [0, 1])
  assert.deepEqual(all.flatMap((m) => m.standbyTopicPartitions.map((tp) => tp.partition)).sort(), [0, 1])
  assert.ok(all.every((m) => m.stateStoreNames.includes('sb-counts') && m.standbyStateStoreNames.includes('sb-counts')))
  for (const key of keys) {
    const md = a.queryMetadataForKey('sb-counts', key, S)
    assert.deepEqual(b.queryMetadataForKey('sb-counts', key, S), md)
    const holder = md.activeHost?.host === 'host-a' ? a : b
    assert.equal(holder.activeTasks()[0], `0_${md.partition}`)
    assert.deepEqual(md.standbyHosts.map((h) => h.host), [holder === a ? 'host-b' : 'host-a'])
    const count = holder.localStores<KeyValueStore<string, ValueAndTimestamp<number>>>('sb-counts').map((s) => s.get(key)).find((v) => v !== null)
    assert.equal(count?.value, 5)
  }

  // b leaves: a takes b's task over from its standby copy.
  takingOver = true
  await b.close()
  await waitFor(() => a.state === 'RUNNING' && a.activeTasks().length === 2, 'a runs both tasks')
  assert.deepEqual(a.standbyTasks(), [])
  assert.equal(restoredAfterTakeover, 0, 'nothing restored: the standby was up to date')
  assert.equal(sum(a, false), 100)
  await p.sendBatch(keys.map((key, i) => ({ topic: 'sb-in', key, value: 'y', timestamp: 2000 + i })))
  await waitFor(() => sum(a, false) === 120, 'a counts the next round on both tasks')
  await p.close()
  assert.equal(a.queryMetadataForKey('sb-counts', 'key-1', S).activeHost?.host, 'host-a')
})
