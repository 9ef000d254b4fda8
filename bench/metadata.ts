// `npm run bench -- metadata [brokers] [topics] [partitionsPerTopic]`: the metadata side of a
// large cluster, in one process over the in-memory store (etcd's semantics, no etcd): 50 brokers
// and 100,000 partitions (RF 3) by default. Prints topic creation time, the latency of one
// partition-state change reaching a broker's image, and the controller's failover work when a
// broker dies and when the controller itself dies (lease expiry is driven by hand, so the
// figures exclude the session timeout that precedes them in a real failure).
import { MemoryMetadataStore } from '../src/broker/cluster/store/memory-store.ts'
import { MetadataLoader } from '../src/broker/cluster/metadata-loader.ts'
import { Controller } from '../src/broker/cluster/controller.ts'
import { ControllerElection } from '../src/broker/cluster/controller-election.ts'
import { FailoverController } from '../src/broker/cluster/failover-controller.ts'
import { brokerKey, partitionKey } from '../src/broker/cluster/metadata-records.ts'
import type { BrokerRecord } from '../src/broker/cluster/metadata-records.ts'
import type { MetadataImage } from '../src/broker/cluster/metadata-image.ts'
import { silentLogger } from '../src/broker/logger.ts'

const LEASE_MS = 6000

interface Node {
  readonly id: number
  readonly loader: MetadataLoader
  readonly controller: Controller
  readonly election: ControllerElection
  readonly failover: FailoverController
  readonly lease: number
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

async function until(what: string, pred: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`${what}: timed out`)
    await new Promise((r) => setImmediate(r))
  }
}

export async function run(args: string[]): Promise<void> {
  const brokers = Number(args[0] ?? 50)
  const topics = Number(args[1] ?? 100)
  const perTopic = Number(args[2] ?? 1000)
  let now = 0
  const store = new MemoryMetadataStore({ clock: { now: () => now } })
  const log = silentLogger()
  const leases = new Map<number, number>()
  for (let id = 1; id <= brokers; id++) {
    const lease = await store.grantLease(LEASE_MS)
    leases.set(id, lease)
    const record: BrokerRecord = { id, epoch: 1, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }], rack: `r${id % 3}` }
    await store.txn({ success: [{ type: 'put', key: brokerKey(id), value: JSON.stringify(record), lease }] })
  }
  // Two brokers keep a full image and may control (every broker would, in a real cluster).
  const nodes: Node[] = []
  for (const id of [1, 2]) {
    const loader = new MetadataLoader(store, log)
    const controller = new Controller(store, loader, id, log)
    await controller.ensureClusterId()
    const election = new ControllerElection(store, id, () => ({ lease: leases.get(id)!, brokerEpoch: 1 }), () => loader.image, log)
    const failover = new FailoverController({ store, election, uncleanDefault: () => false, log })
    loader.subscribe(election.onDelta)
    loader.subscribe(failover.onDelta)
    await loader.start(await loader.load())
    nodes.push({ id, loader, controller, election, failover, lease: leases.get(id)! })
  }
  await nodes[0]!.election.campaign()
  await until('controller known', () => nodes.every((n) => n.loader.image.controllerId === 1))
  const [a, b] = nodes as [Node, Node]

  const t0 = performance.now()
  for (let t = 0; t < topics; t++) {
    await a.controller.createTopic({ name: `t${t}`, partitions: perTopic, replicationFactor: 3, configs: {}, internal: false })
  }
  await b.loader.waitFor(a.loader.image.revision)
  const createMs = performance.now() - t0
  const total = topics * perTopic
  console.log(`cluster: ${brokers} brokers, ${topics} topics x ${perTopic} partitions = ${total} partitions, RF 3`)
  console.log(`create all topics: ${createMs.toFixed(0)} ms (${(createMs / topics).toFixed(1)} ms per ${perTopic}-partition topic, seen by a second broker)`)

  // One partition-state change (an ISR write) until another broker's image has it.
  const samples: number[] = []
  for (let i = 0; i < 300; i++) {
    const topic = b.loader.image.topic(`t${i % topics}`)!
    const s = topic.states[i % perTopic]!
    const next = { replicas: s.replicas, isr: s.isr, leader: s.leader, leaderEpoch: s.leaderEpoch, partitionEpoch: s.partitionEpoch + 1 }
    const start = performance.now()
    const r = await store.txn({ success: [{ type: 'put', key: partitionKey(topic.topicId, s.partition), value: JSON.stringify(next) }] })
    await b.loader.waitFor(r.revision)
    samples.push(performance.now() - start)
  }
  samples.sort((x, y) => x - y)
  console.log(`one partition change -> another broker's image: p50 ${percentile(samples, 0.5).toFixed(3)} ms, p99 ${percentile(samples, 0.99).toFixed(3)} ms (${samples.length} changes)`)

  const ledBy = (image: MetadataImage, id: number): number => {
    let n = 0
    for (const t of image.topics()) for (const s of t.states) if (s.leader === id) n++
    return n
  }
  const clean = (image: MetadataImage, id: number): boolean => {
    for (const t of image.topics()) for (const s of t.states) if (s.leader === id || s.isr.includes(id)) return false
    return true
  }
  const dead = new Set<number>()
  const renew = (): void => { for (const [id, lease] of leases) if (!dead.has(id)) void store.keepAlive(lease).catch(() => {}) }
  const expire = (victim: number): void => {
    dead.add(victim)
    renew()
    now += LEASE_MS / 2
    renew()
    now += LEASE_MS / 2 + 1
    store.expireLeases()
  }
  // A broker dies (not the controller): its lease lapses; the controller re-elects.
  const victim = 7
  const led = ledBy(b.loader.image, victim)
  let t1 = performance.now()
  expire(victim)
  await until('broker failover', () => clean(b.loader.image, victim))
  console.log(`broker ${victim} dies (led ${led} partitions): new leaders and ISRs in every image after ${(performance.now() - t1).toFixed(0)} ms (+ the session timeout)`)

  // The controller dies: broker 2 claims the role and re-elects broker 1's partitions.
  const led1 = ledBy(b.loader.image, 1)
  t1 = performance.now()
  a.election.close()
  await a.failover.close()
  await a.loader.close()
  expire(1)
  await until('controller failover', () => b.loader.image.controllerId === 2)
  const claimMs = performance.now() - t1
  await until('partitions of the dead controller', () => clean(b.loader.image, 1))
  console.log(`controller dies (led ${led1} partitions): successor elected after ${claimMs.toFixed(0)} ms, all re-elected after ${(performance.now() - t1).toFixed(0)} ms (+ the session timeout)`)
  const mem = process.memoryUsage()
  console.log(`heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB (store + two full images)`)
  b.election.close()
  await b.failover.close()
  await b.loader.close()
  await store.close()
}
