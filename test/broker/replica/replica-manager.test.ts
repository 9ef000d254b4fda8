import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogManager } from '../../../src/storage/log-manager.ts'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { openDataDirMetadata } from '../cluster/metadata-helpers.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { ReplicaManager } from '../../../src/broker/replica/replica-manager.ts'
import { batch, decodeAll, tempDir } from '../../storage/helpers.ts'

async function setup(dir: string, raw: Record<string, string> = {}) {
  const config = new BrokerConfig([['log.dirs', dir], ...Object.entries(raw)])
  const metadata = await openDataDirMetadata(dir, config.nodeId, false)
  const logs = await LogManager.open({ logDirs: [dir], cleanerEnabled: false })
  const replicas = new ReplicaManager({ config, logs, log: silentLogger() })
  metadata.loader.subscribe((delta) => replicas.applyDelta(delta))
  await metadata.start()
  const controller = metadata.controller
  return { config, controller, logs, replicas, close: async () => { replicas.close(); await logs.close(); await metadata.close() } }
}

test('partitions follow the metadata store; HW follows acknowledged appends; wake-ups fire', async () => {
  const tmp = await tempDir()
  try {
    let s = await setup(tmp.path)
    await s.controller.createTopic({ name: 'orders', partitions: 2, configs: { 'max.message.bytes': '2000' }, internal: false })
    assert.equal(s.replicas.partition('orders', 2), undefined)
    assert.equal(s.replicas.partition('nope', 0), undefined)
    const p = s.replicas.partition('orders', 1)!
    assert.equal(p.config.maxMessageBytes, 2000)
    assert.equal(p.highWatermark, 0)
    const woken: number[] = []
    s.replicas.fetchPurgatory.add({ deadline: s.replicas.fetchPurgatory.clock.now() + 60_000, onData: (_p, n) => { woken.push(n); return true }, complete() {} }, [p])
    const pending = p.appendAsLeader(batch(3))
    assert.equal(p.highWatermark, 0, 'HW must not move before the append is acknowledged')
    const r = await pending
    assert.equal(r.baseOffset, 0)
    assert.equal(p.highWatermark, 3)
    assert.equal(p.lastStableOffset, 3)
    assert.equal(woken.length, 1)
    assert.ok(woken[0]! > 0)
    assert.equal(s.replicas.fetchPurgatory.size, 0)
    const read = await p.read(0, 1 << 20, true)
    assert.deepEqual(decodeAll(read.batches).map((x) => x.value), ['v-0', 'v-1', 'v-2'])
    s.replicas.updateConfig('orders', {})
    assert.equal(p.config.maxMessageBytes, 1_048_588)
    await s.close()

    // Restart: partitions reopen with the HW at the recovered log end.
    s = await setup(tmp.path)
    assert.equal(s.replicas.partition('orders', 1)!.highWatermark, 3)
    assert.equal(s.replicas.partition('orders', 0)!.highWatermark, 0)
    await s.controller.deleteTopic('orders')
    assert.equal(s.replicas.partition('orders', 1), undefined)
    assert.equal(s.logs.get('orders', 1), undefined)
    await s.close()
  } finally {
    await tmp.cleanup()
  }
})
