// UpdateFeatures (KIP-584) on a single node and on a 3-broker cluster: an operator downgrades
// transaction.version (the Java producer's KIP-890 switch), every broker's ApiVersions then lists
// the level set, the controller's finalizer no longer raises it (a broker rejoining re-runs it),
// and it outlives a restart; bad updates fail as Kafka's controller fails them (all or nothing,
// INVALID_UPDATE_VERSION with its messages); v2 answers without per-feature results; ALTER on the
// cluster is required.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startBroker, startCluster } from '../../../src/broker/index.ts'
import type { Broker, Cluster } from '../../../src/broker/index.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import type { UpdateFeaturesResponse } from '../../../src/protocol/generated/messages/update-features.ts'
import { featureKey } from '../../../src/broker/cluster/metadata-records.ts'
import { BrokerChannel } from '../../../src/broker/net/broker-channel.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { until } from '../replica/cluster-helpers.ts'

const TV = 'transaction.version'

async function call<T>(host: string, port: number, key: number, version: number, body: unknown): Promise<T> {
  const ch = await BrokerChannel.connect(host, port, 'features-test', 5000)
  try {
    return await ch.send<T>(key, version, body, 15_000)
  } finally {
    ch.close()
  }
}

interface Node { host: string, port: number }

const update = (n: Node, version: number, updates: { feature: string, maxVersionLevel: number, upgradeType?: number, allowDowngrade?: boolean }[], validateOnly = false) =>
  call<UpdateFeaturesResponse>(n.host, n.port, ApiKey.UpdateFeatures, version, {
    timeoutMs: 5000, validateOnly,
    featureUpdates: updates.map((u) => ({ allowDowngrade: false, upgradeType: 1, ...u })),
  })

async function finalized(n: Node): Promise<{ levels: [string, number][], epoch: bigint }> {
  const v = await call<ApiVersionsResponse>(n.host, n.port, ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })
  return { levels: v.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel]), epoch: v.finalizedFeaturesEpoch }
}

describe('UpdateFeatures on a single node', () => {
  const dir = makeTempDir('samsa-features-')
  let broker: Broker
  before(async () => { broker = await startBroker({ dataDir: dir }) })
  after(async () => {
    await broker?.close()
    removeTempDir(dir)
  })

  it('refuses bad updates as a whole, with Kafka\'s reasons, and changes nothing', async () => {
    const refused = async (version: number, updates: Parameters<typeof update>[2], reason: RegExp) => {
      const r = await update(broker, version, updates)
      assert.equal(r.errorCode, ErrorCode.INVALID_UPDATE_VERSION)
      assert.match(r.errorMessage ?? '', /^The update failed for all features since the following feature had an error: Invalid update version/)
      assert.match(r.errorMessage ?? '', reason)
      assert.deepEqual(r.results, [])
    }
    await refused(1, [{ feature: TV, maxVersionLevel: 1 }], /for feature transaction\.version\. Can't downgrade the version of this feature without setting the upgrade type/)
    await refused(0, [{ feature: TV, maxVersionLevel: 1 }], /Can't downgrade the version of this feature without/)
    await refused(1, [{ feature: TV, maxVersionLevel: 3 }], /Invalid update version 3 for feature transaction\.version\. Local controller 1 only supports versions 0-2/)
    await refused(1, [{ feature: TV, maxVersionLevel: 1, upgradeType: 2 }, { feature: 'share.version', maxVersionLevel: 1 }], /share\.version\. Local controller 1 does not support this feature/)
    await refused(1, [{ feature: TV, maxVersionLevel: 1, upgradeType: 7 }], /does not support the given upgrade type/)
    await refused(1, [{ feature: TV, maxVersionLevel: -1, upgradeType: 2 }], /cannot be less than 0/)
    const ok = await update(broker, 1, [{ feature: TV, maxVersionLevel: 1, upgradeType: 2 }], true)
    assert.equal(ok.errorCode, ErrorCode.NONE, 'validateOnly')
    assert.deepEqual((await finalized(broker)).levels, [[TV, 2]])
  })

  it('a safe downgrade sets the level (v0 allowDowngrade too), v2 answers without results, and the level outlives a restart', async () => {
    const r = await update(broker, 1, [{ feature: TV, maxVersionLevel: 1, upgradeType: 2 }])
    assert.deepEqual([r.errorCode, r.results.map((x) => [x.feature, x.errorCode])], [ErrorCode.NONE, [[TV, ErrorCode.NONE]]])
    const after1 = await finalized(broker)
    assert.deepEqual(after1.levels, [[TV, 1]])
    assert.ok(after1.epoch > 0n, 'the epoch moves so clients take the new set')
    const removed = await update(broker, 0, [{ feature: TV, maxVersionLevel: 0, allowDowngrade: true }])
    assert.equal(removed.errorCode, ErrorCode.NONE)
    assert.deepEqual((await finalized(broker)).levels, [], 'level 0 removes the feature')
    const v2 = await update(broker, 2, [{ feature: TV, maxVersionLevel: 1 }])
    assert.deepEqual([v2.errorCode, v2.results], [ErrorCode.NONE, []])
    await broker.close()
    broker = await startBroker({ dataDir: dir })
    assert.deepEqual((await finalized(broker)).levels, [[TV, 1]])
  })
})

describe('UpdateFeatures needs ALTER on the cluster', () => {
  let broker: Broker
  before(async () => {
    broker = await startBroker({ config: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'allow.everyone.if.no.acl.found': false } })
  })
  after(async () => { await broker?.close() })

  it('answers CLUSTER_AUTHORIZATION_FAILED to a principal without it', async () => {
    const r = await update(broker, 1, [{ feature: TV, maxVersionLevel: 1, upgradeType: 2 }])
    assert.equal(r.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    assert.deepEqual((await finalized(broker)).levels, [[TV, 2]])
  })
})

describe('UpdateFeatures in a 3-broker cluster', () => {
  let cluster: Cluster
  before(async () => {
    cluster = await startCluster({ brokers: 3, config: { 'broker.session.timeout.ms': 60_000 } })
    await until('transaction.version 2 is finalized', async () => (await cluster.store.range(featureKey(TV))).kvs.length === 1)
  })
  after(async () => { await cluster?.close() })

  it('a downgrade on any broker is seen by all and stays when the finalizer runs again', async () => {
    const [a, b] = cluster.brokers
    const r = await update(cluster.broker(b!.nodeId), 1, [{ feature: TV, maxVersionLevel: 1, upgradeType: 2 }])
    assert.equal(r.errorCode, ErrorCode.NONE)
    await cluster.settle()
    for (const x of cluster.brokers) assert.deepEqual((await finalized(cluster.broker(x.nodeId))).levels, [[TV, 1]], `broker ${x.nodeId}`)
    // A broker re-registering changes the image's brokers: the controller's finalizer runs again.
    await cluster.stop(a!.nodeId)
    await cluster.restart(a!.nodeId)
    await cluster.settle()
    assert.deepEqual(JSON.parse((await cluster.store.range(featureKey(TV))).kvs[0]!.value), { level: 1, pinned: true })
    for (const x of cluster.brokers) assert.deepEqual((await finalized(cluster.broker(x.nodeId))).levels, [[TV, 1]], `broker ${x.nodeId} after a restart`)
    // Upgrading back is the operator's call too.
    assert.equal((await update(cluster.broker(a!.nodeId), 1, [{ feature: TV, maxVersionLevel: 2 }])).errorCode, ErrorCode.NONE)
    await cluster.settle()
    assert.deepEqual((await finalized(cluster.broker(b!.nodeId))).levels, [[TV, 2]])
  })
})
