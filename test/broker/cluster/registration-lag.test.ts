// A broker whose metadata image has not yet seen another broker's registration (the watch lags the
// store: brokers started together) must not refuse a replication factor the cluster can give. It
// re-reads the store before refusing; a factor larger than the registered brokers is still refused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import { MemoryMetadataStore } from '../../../src/broker/cluster/store/memory-store.ts'
import type { MetadataStore, Txn, Watch, WatchBatch, WatchOptions } from '../../../src/broker/cluster/store/metadata-store.ts'
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/errors.ts'

/** The shared store as one broker sees it: its watch batches can be held back (a slow watch). */
class LaggingView implements MetadataStore {
  private held: (() => void)[] | undefined
  constructor(private readonly base: MetadataStore) {}
  get maxPutsPerTxn() { return this.base.maxPutsPerTxn }
  hold(): void { this.held ??= [] }
  release(): void {
    const held = this.held ?? []
    this.held = undefined
    for (const deliver of held) deliver()
  }
  range(prefix: string) { return this.base.range(prefix) }
  txn(txn: Txn) { return this.base.txn(txn) }
  grantLease(ttlMs: number) { return this.base.grantLease(ttlMs) }
  keepAlive(lease: number) { return this.base.keepAlive(lease) }
  revokeLease(lease: number) { return this.base.revokeLease(lease) }
  watch(prefix: string, onBatch: (batch: WatchBatch) => void, opts?: WatchOptions): Watch {
    return this.base.watch(prefix, (batch) => {
      if (this.held) this.held.push(() => onBatch(batch))
      else onBatch(batch)
    }, opts)
  }
  async close(): Promise<void> {}
}

const configFor = (nodeId: number, dir: string) => new BrokerConfig([
  ['node.id', nodeId], ['listeners', 'PLAINTEXT://127.0.0.1:0'], ['log.dirs', join(dir, `b${nodeId}`)],
  ['admin.listeners', ''], ['group.initial.rebalance.delay.ms', 0],
])

test('CreateTopics and CreatePartitions re-read the registered brokers before refusing a replication factor', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-reglag-'))
  const store = new MemoryMetadataStore()
  const view = new LaggingView(store)
  const brokers: RunningBroker[] = []
  try {
    brokers.push(await runBroker(configFor(0, dir), { store: view, log: silentLogger() }))
    view.hold()
    brokers.push(await runBroker(configFor(1, dir), { store, log: silentLogger() }))
    const topics = brokers[0]!.context.topics
    // Broker 0's image still lists itself alone: the registration of broker 1 is held back.
    assert.deepEqual([...brokers[0]!.context.metadata.image.brokers.keys()], [0])
    // The watch delivers later (as a slow etcd watch would).
    setTimeout(() => view.release(), 50)
    const created = await topics.createTopic({ name: 'lagged', numPartitions: 2, replicationFactor: 2 })
    assert.equal(created.replicationFactor, 2)
    assert.deepEqual(brokers[0]!.context.metadata.topic('lagged')!.states.map((p) => [...p.replicas].sort()), [[0, 1], [0, 1]])
    view.hold()
    setTimeout(() => view.release(), 50)
    const more = await topics.createPartitions('lagged', 3, [[1, 0]])
    assert.equal(more.partitions, 3)
    // A factor the cluster cannot give is still refused, with Kafka's code.
    await assert.rejects(topics.createTopic({ name: 'too-wide', numPartitions: 1, replicationFactor: 3 }),
      (err: unknown) => err instanceof KafkaProtocolError && err.code === ErrorCode.INVALID_REPLICATION_FACTOR && /only 2 broker/.test(err.message))
  } finally {
    view.release()
    for (const b of brokers.reverse()) await b.close()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})
