// Failover times with the real controller: etcd and three `samsa start` processes (tsx), an
// idempotent acks=all producer (samsa/client) writing one record at a time to an RF=3 partition
// (min.insync.replicas=2) led by broker 1. SIGKILL of the leader: the time from the kill to the
// first acknowledged write on the new leader (lease expiry, election, the client's metadata
// refresh and retry all included). SIGTERM of the next leader (controlled shutdown: leadership
// moves before the broker stops): the longest stall between two acknowledgements around it.
// Prints figures; asserts nothing (beyond the records being acknowledged in order).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEtcd } from '../src/cli/dev/etcd-server.ts'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Admin, Producer } from '../src/client/index.ts'
import { startBrokerProcess } from './broker-process.ts'
import type { BenchBroker } from './broker-process.ts'
import type { PartitionInfo } from '../src/client/cluster.ts'

const SESSION_MS = 6000

export interface FailoverFigures {
  killToFirstAckMs: number
  termStallMs: number
  acked: number
}

export async function runFailover(): Promise<FailoverFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-etcd-'))
  const etcd = await startEtcd({ dataDir: join(dir, 'data') })
  const brokers = new Map<number, BenchBroker>()
  const producer = { current: undefined as Producer<string, string> | undefined }
  // What happened before a failure: the phases and the client's last requests (printed only then).
  const t0 = performance.now()
  const trace: string[] = []
  const mark = (what: string) => {
    trace.push(`${(performance.now() - t0).toFixed(0).padStart(6)} ms ${what}`)
    if (trace.length > 400) trace.splice(0, 100)
  }
  const onRequest = (m: unknown) => {
    const r = m as { broker: string, apiKey: number, durationMs: number, error?: unknown }
    mark(`request key ${r.apiKey} to ${r.broker} ${r.durationMs} ms${r.error === undefined ? '' : ` error ${String(r.error)}`}`)
  }
  subscribe('samsa:client:request', onRequest)
  try {
    const connect = `${etcd.endpoint}/bench`
    const started = await Promise.all([1, 2, 3].map((id) => startBrokerProcess(`failover-${id}`, {
      'node.id': String(id), 'etcd.connect': connect, 'broker.session.timeout.ms': String(SESSION_MS),
      'broker.heartbeat.interval.ms': '1000', 'auto.leader.rebalance.enable': 'false', 'admin.listeners': '',
    })))
    started.forEach((b, i) => brokers.set(i + 1, b))
    const bootstrap = started.map((b) => `127.0.0.1:${b.port}`).join(',')
    const admin = new Admin({ bootstrapServers: bootstrap })
    await admin.createTopics([{ topic: 'failover', assignments: { 0: [1, 2, 3] }, configs: { 'min.insync.replicas': '2' } }])
    // The partition's state by Metadata once `ok` holds (a dead broker's connection may fail: ask again).
    const partition = async (ok: (p: PartitionInfo) => boolean): Promise<PartitionInfo> => {
      for (;;) {
        const p = await admin.describeTopics(['failover']).then((t) => t[0]!.partitions[0]!, () => undefined)
        if (p !== undefined && ok(p)) return p
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const fullIsr = (p: PartitionInfo) => p.leader >= 0 && p.isr.length === 3
    producer.current = new Producer<string, string>({
      bootstrapServers: bootstrap, acks: 'all', idempotent: true, lingerMs: 0, retryBackoffMs: 50, retryBackoffMaxMs: 200,
      requestTimeoutMs: 3000, deliveryTimeoutMs: 60_000,
    })
    const p = producer.current
    const acks: number[] = []
    let running = true
    // A send that fails for good ends the run with its error (caught, so the finally below still
    // stops every broker instead of an unhandled rejection leaving them running).
    let failed: unknown
    const loop = (async () => {
      for (let i = 0; running; i++) {
        await p.send({ topic: 'failover', partition: 0, value: `v${i}` })
        acks.push(performance.now())
        if (acks.length % 100 === 0) mark(`${acks.length} acknowledged`)
      }
    })().catch((err: unknown) => { failed = err })
    const waitAcks = async (n: number) => {
      const target = acks.length + n
      while (acks.length < target) {
        if (failed !== undefined) throw failed
        await new Promise((r) => setTimeout(r, 10))
      }
    }
    await waitAcks(200)

    const first = (await partition(fullIsr)).leader
    // Each figure is the longest gap between two acknowledgements around the event: with one
    // record in flight at a time, that is the time from the last write the old leader acknowledged
    // to the first one the new leader did (a response already on its way at the kill cannot pass
    // for a failover).
    const longestStall = (fromIndex: number): number => {
      let stall = 0
      for (let i = Math.max(1, fromIndex); i < acks.length; i++) stall = Math.max(stall, acks[i]! - acks[i - 1]!)
      return stall
    }
    const killFrom = acks.length
    mark(`SIGKILL broker ${first}`)
    await brokers.get(first)!.signal('SIGKILL')
    await waitAcks(200)
    const killToFirstAckMs = longestStall(killFrom)
    // The killed broker comes back, catches up and rejoins the ISR before the next phase.
    mark(`restart broker ${first}`)
    await brokers.get(first)!.restart()
    mark(`broker ${first} listening`)
    const second = (await partition((p) => fullIsr(p) && p.leader !== first)).leader
    mark(`ISR full again, leader ${second}`)
    await waitAcks(200)
    const termFrom = acks.length
    mark(`SIGTERM broker ${second}`)
    await brokers.get(second)!.signal('SIGTERM')
    mark(`broker ${second} exited`)
    await waitAcks(200)
    const termStallMs = longestStall(termFrom)
    running = false
    await loop
    await admin.close()
    return { killToFirstAckMs, termStallMs, acked: acks.length }
  } catch (err) {
    mark(`failed: ${String(err)}`)
    process.stderr.write(`failover trace (last events):\n${trace.join('\n')}\n`)
    throw err
  } finally {
    unsubscribe('samsa:client:request', onRequest)
    await producer.current?.close().catch(() => {})
    await Promise.all([...brokers.values()].map((b) => b.stop()))
    await etcd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
