// One seeded run of the deterministic simulation: a cluster of SimBrokers over the in-memory
// store and network, a topic replicated on every broker (min.insync.replicas 2), producers and a
// consumer, and a chaos loop that kills and restarts brokers, hands their leaderships to in-sync
// followers at once (a controlled shutdown's hand-off), cuts them off from each other or
// from the store (their leases then lapse on the virtual clock: split brain) or make the store
// unreachable for everyone (etcd without quorum; leases keep lapsing meanwhile), while the network
// delays, reorders, drops and duplicates messages. After every event the Checker runs. Then the
// faults stop, the cluster heals (dead brokers restart, links come back), the workload stops,
// and the run continues until every partition has a leader and a full ISR (or a deadline): the
// healed checks run. The same seed gives the same event trace (`trace`, a hash over every event
// and a digest of every replica's state after it).
import pino from 'pino'
import { BrokerConfig } from '../../src/broker/config/broker-config.ts'
import { MemoryMetadataStore } from '../../src/broker/cluster/store/memory-store.ts'
import { CLUSTER_ID_KEY, partitionKey, topicKey } from '../../src/broker/cluster/metadata-records.ts'
import type { PartitionRecord, TopicRecord } from '../../src/broker/cluster/metadata-records.ts'
import type { Partition } from '../../src/broker/replica/partition.ts'
import { Checker, InvariantViolation } from './checker.ts'
import { handOffLeadership } from '../../src/broker/cluster/hand-off.ts'
import { SimNetwork } from './network.ts'
import { Prng } from './prng.ts'
import { SimScheduler, SIM_EPOCH } from './scheduler.ts'
import { SimBroker } from './sim-broker.ts'
import type { BrokerEnv } from './sim-broker.ts'
import { SimLogs } from './sim-log.ts'
import { STORE_NODE } from './store-link.ts'
import { CLIENT_NODE, Workload } from './workload.ts'

export interface SimOptions {
  readonly seed: number
  /** Events run under faults (the healing phase comes on top). */
  readonly steps: number
  readonly brokers?: number
  readonly partitions?: number
  /** Faults on (default); off: the same cluster and workload on a clean network. */
  readonly faults?: boolean
  /** A kill loses appends since the last flush (Kafka's un-fsynced window; see docs). */
  readonly lossy?: boolean
  /** Deliberately broken rules, to show the checker catches them. */
  readonly bug?: 'skip-truncation' | 'follower-hw'
}

export interface SimResult {
  readonly seed: number
  readonly steps: number
  readonly virtualMs: number
  readonly produced: number
  readonly acked: number
  readonly consumed: number
  readonly kills: number
  readonly cuts: number
  readonly trace: string
  readonly violation?: InvariantViolation
  /** The command that replays this run. */
  readonly replay: string
}

const TOPIC = 'sim'
const HEAL_DEADLINE_MS = 20_000
const HEAL_WORKLOAD_MS = 3000

const SETTINGS: Record<string, string | number> = {
  'broker.session.timeout.ms': 1500,
  'broker.heartbeat.interval.ms': 300,
  'replica.lag.time.max.ms': 1500,
  'replica.fetch.wait.max.ms': 200,
  'replica.fetch.backoff.ms': 100,
  'replica.socket.timeout.ms': 1000,
  'unclean.leader.election.enable': 'false',
}

export function replayCommand(o: SimOptions): string {
  return `npm run sim -- --seed ${o.seed} --steps ${o.steps}${o.faults === false ? ' --no-faults' : ''}${o.lossy ? ' --lossy' : ''}${o.bug ? ` --bug ${o.bug}` : ''} --verbose`
}

export async function simulate(o: SimOptions, onEvent?: (line: string) => void): Promise<SimResult> {
  const nBrokers = o.brokers ?? 3
  const nPartitions = o.partitions ?? 2
  const faults = o.faults !== false
  const random = new Prng(o.seed)
  const scheduler = new SimScheduler()
  const network = new SimNetwork(scheduler, random.fork(), faults
    ? { drop: random.next() * 0.05, duplicate: random.next() * 0.03, minDelay: 1, maxDelay: 2 + random.int(3, 30) }
    : { drop: 0, duplicate: 0, minDelay: 1, maxDelay: 5 })
  const chaos = random.fork()
  const store = new MemoryMetadataStore({ clock: scheduler })
  const checker = new Checker()
  const log = pino({ level: 'silent' })
  const lives = new Map<number, SimBroker>()
  const configs = new Map<number, BrokerConfig>()
  const env: BrokerEnv = {
    scheduler, network, store, log,
    config: (id) => {
      let c = configs.get(id)
      if (!c) configs.set(id, c = new BrokerConfig([['node.id', id], ['log.dirs', '/sim'], ...Object.entries(SETTINGS)]))
      return c
    },
    broker: (id) => lives.get(id),
  }
  const disk = random.fork()
  let kills = 0
  let cuts = 0
  let faulting = faults

  network.start(STORE_NODE)
  await store.txn({ success: [{ type: 'put', key: CLUSTER_ID_KEY, value: `sim-${o.seed}` }] })
  const lapse = (): void => {
    store.expireLeases()
    scheduler.in(250, 'store.leases', lapse)
  }
  scheduler.in(250, 'store.leases', lapse)

  const live = (): SimBroker[] => [...lives.values()].filter((b) => b.alive)
  const startLife = (id: number, logs: SimLogs): void => {
    const b = new SimBroker(id, network.start(id), env, logs)
    lives.set(id, b)
    if (o.bug === 'follower-hw') breakFollowerHw(b)
    b.start().catch(() => {
      // Could not start (the store unreachable): the supervisor kills and restarts it.
      if (lives.get(id) !== b || !b.alive) return
      b.kill()
      scheduler.in(500, `restart ${id}`, () => startLife(id, b.logs.crashed()))
    })
  }
  for (let id = 1; id <= nBrokers; id++) {
    const logs = new SimLogs({ scheduler, random: disk, maxDiskMs: 2, lossy: o.lossy ?? false, skipTruncation: o.bug === 'skip-truncation' },
      (tp, epoch) => checker.leaderAppend(tp, epoch, id))
    startLife(id, logs)
  }
  if (o.lossy) {
    const flush = (): void => {
      for (const b of live()) b.logs.flush()
      scheduler.in(200, 'flush', flush)
    }
    scheduler.in(200, 'flush', flush)
  }

  // The topic, written as the controller's createTopic writes it, once the brokers registered.
  scheduler.in(300, 'create topic', () => {
    const topicId = `sim-topic-${o.seed}`
    const record: TopicRecord = { topicId, configs: { 'min.insync.replicas': '2' }, internal: false }
    const ids = Array.from({ length: nBrokers }, (_, i) => i + 1)
    const ops = Array.from({ length: nPartitions }, (_, i) => {
      const replicas = ids.map((_, j) => ids[(i + j) % ids.length]!)
      const state: PartitionRecord = { replicas, isr: replicas, leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 }
      return { type: 'put' as const, key: partitionKey(topicId, i), value: JSON.stringify(state) }
    })
    void store.txn({ success: [{ type: 'put', key: topicKey(TOPIC), value: JSON.stringify(record) }, ...ops] })
  })
  const workload = new Workload({
    scheduler, network, random: random.fork(), topic: TOPIC, partitions: nPartitions, live,
    sink: {
      acked: (topic, p, offset, id, broker) => checker.acknowledged(`${topic}-${p}`, offset, id, broker),
      consumed: (topic, p, offset, id, broker) => checker.consumed(`${topic}-${p}`, offset, id, broker),
    },
  }, 2, 40)
  scheduler.in(500, 'workload', () => workload.start())

  // Chaos: one fault at a time, each undone after a while.
  let down = 0
  let cut = false
  const brokerIds = Array.from({ length: nBrokers }, (_, i) => i + 1)
  const others = (id: number): number[] => [...brokerIds.filter((x) => x !== id), ...Array.from({ length: 3 }, (_, i) => CLIENT_NODE + i)]
  const act = (): void => {
    if (!faulting) return
    const r = chaos.next()
    const victim = chaos.pick(brokerIds)
    if (r < 0.3 && down === 0 && lives.get(victim)?.alive) {
      kills++
      down++
      const b = lives.get(victim)!
      b.kill()
      scheduler.in(chaos.int(300, 4000), `restart ${victim}`, () => {
        down--
        startLife(victim, b.logs.crashed())
      })
    } else if (r < 0.42 && lives.get(victim)?.alive) {
      // A controlled shutdown's hand-off without the shutdown: leadership moves to an in-sync
      // follower at once, while the followers may be mid-fetch from the old leader.
      const b = lives.get(victim)!
      void handOffLeadership(b.link, b.loader.image, victim).catch(() => {})
    } else if (r < 0.75 && !cut) {
      cut = true
      cuts++
      const kind = chaos.int(0, 5)
      if (kind === 4) network.stop(STORE_NODE) // the store unreachable for everyone (etcd without quorum)
      else if (kind === 0) for (const x of others(victim)) network.partition(victim, x) // isolated from brokers and clients
      else if (kind === 1) network.partition(victim, STORE_NODE) // split brain: lease lapses, it keeps serving
      else if (kind === 2) for (const x of [...others(victim), STORE_NODE]) network.partition(victim, x) // fully isolated
      else network.partition(victim, chaos.pick(brokerIds.filter((x) => x !== victim))) // one broker pair
      scheduler.in(chaos.int(200, 4000), 'heal', () => {
        network.heal()
        if (!network.isUp(STORE_NODE)) network.start(STORE_NODE)
        cut = false
      })
    }
    scheduler.in(chaos.int(200, 1500), 'chaos', act)
  }
  if (faults) scheduler.in(700, 'chaos', act)

  let violation: InvariantViolation | undefined
  const digest = (): string => {
    const parts: string[] = []
    for (const b of lives.values()) {
      if (!b.alive) continue
      for (const p of b.replicas.allPartitions()) parts.push(`${b.id}/${p.index}:${p.isLeader ? 'L' : 'F'}${p.leaderEpoch}:${p.logEndOffset}:${p.highWatermark}:${p.isr.join(',')}`)
    }
    return parts.join(' ')
  }
  const runStep = async (): Promise<boolean> => {
    const ran = await scheduler.step()
    try {
      checker.check([...lives.values()])
    } catch (err) {
      if (!(err instanceof InvariantViolation)) throw err
    }
    violation ??= checker.violation
    const d = digest()
    scheduler.record(d)
    onEvent?.(`${scheduler.now() - SIM_EPOCH} ${d}`)
    return ran && violation === undefined
  }

  while (scheduler.steps < o.steps && await runStep());

  // Healing: no new faults, links back, the dead restarted, the workload stops.
  if (!violation) {
    faulting = false
    network.heal()
    if (!network.isUp(STORE_NODE)) network.start(STORE_NODE)
    network.faults = { drop: 0, duplicate: 0, minDelay: 1, maxDelay: 5 }
    // Clients keep writing for a while: a replica left diverged by the faults would take new data
    // on top of its bad tail, which the committed-record rule then sees.
    scheduler.in(HEAL_WORKLOAD_MS, 'workload stop', () => workload.stop())
    const deadline = scheduler.now() + HEAL_DEADLINE_MS
    let problem = checker.healProblem(live(), TOPIC, nPartitions, nBrokers)
    while (problem && scheduler.now() < deadline && await runStep()) {
      // Leaders and ISRs first (cheap); the acknowledged records only once those hold.
      problem = checker.healProblem(live(), TOPIC, nPartitions, nBrokers)
    }
    if (!violation && problem) violation = problem
  }
  workload.stop()
  faulting = false
  for (const b of lives.values()) if (b.alive) b.kill()
  await store.close()
  return {
    seed: o.seed, steps: scheduler.steps, virtualMs: scheduler.now() - SIM_EPOCH, produced: workload.produced, acked: workload.ackedCount,
    consumed: workload.consumedCount, kills, cuts, trace: scheduler.digest(), violation, replay: replayCommand(o),
  }
}

/** The broken rule of `--bug follower-hw`: followers take their own log end as the high watermark. */
function breakFollowerHw(b: SimBroker): void {
  b.replicas.onLeadershipChange((changes) => {
    for (const c of changes) {
      const p = c.replica as (Partition & { broken?: boolean }) | undefined
      if (!p || p.broken) continue
      p.broken = true
      p.updateFollowerHighWatermark = function (this: Partition) {
        if (!this.isLeader) Object.assign(this, { hw: this.logEndOffset })
      }
    }
  })
}
