// `npm run bench -- cluster [--duration-ms N]`: produce throughput with replication. Three
// brokers run in one child process (startCluster), the load generator in this one; all share this
// machine's cores, so the figures to quote are the ratios within one run: replication factor 3
// with acks=all and acks=1 beside replication factor 1 (one partition each, led by broker 0, the
// same producer: 8 pipelined requests of one 64 KiB batch of 1 KiB records). Then end-to-end
// latency at 5,000 msg/s with acks=all on the RF=3 partition. Then failover times with etcd and
// three real processes (cluster-failover.ts; `--failover-only` runs just that, `--no-failover`
// skips it). `--processes` runs the throughput rows with one process per broker instead
// (cluster-processes.ts). Each row also prints the brokers' CPU per MB (cluster-rows.ts);
// The rows run twice, in a growing and then a steady page cache (`--page-cache`, cluster-rows.ts),
// after an unmeasured warm-up of the brokers (`--no-warm-up` skips it).
// `--rows`, `--no-latency`, `--window-prof DIR`, `--cpu-prof DIR`, `--perf-map` narrow and profile
// a run (BENCHMARKS.md, Replication). Prints figures; asserts nothing.
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { concurrentMarkingWanted } from '../src/cli/v8-flags.ts'
import { fileURLToPath } from 'node:url'
import { ApiKey } from '../src/protocol/generated/api-keys.ts'
import type { CreateTopicsResponse } from '../src/protocol/generated/messages/create-topics.ts'
import { KafkaConn } from './loadgen/kafka-conn.ts'
import { brokerNodeFlags, cpuWindow, pageCacheModes, pickRows, ratioLine, rowLine, rowTopic, runRow, STEADY_TOPIC_CONFIGS, warmUp, WARMUP_TOPIC } from './cluster-rows.ts'
import { runLatency } from './loadgen/latency.ts'
import type { RateResult } from './loadgen/jobs.ts'
import { runFailover } from './cluster-failover.ts'
import { runProcessThroughput } from './cluster-processes.ts'

const REPO = fileURLToPath(new URL('../', import.meta.url))
const HOST = '127.0.0.1'

async function startClusterProcess(nodeFlags: readonly string[], profileDir: string | undefined): Promise<{ ports: number[], pid: number, stop: () => Promise<void> }> {
  const env = profileDir ? { ...process.env, SAMSA_BENCH_PROFILE_DIR: profileDir } : process.env
  // The V8 choice `samsa start` makes (src/cli/v8-tuning.ts): no concurrent marking on two cores.
  const v8 = concurrentMarkingWanted(availableParallelism()) ? [] : ['--no-concurrent-marking']
  const child = spawn(process.execPath, [...v8, ...nodeFlags, '--import', 'tsx', 'bench/cluster-process.ts', '3'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise((r) => child.once('exit', r))
  const ports = await new Promise<number[]>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve((JSON.parse(line) as { ports: number[] }).ports)
    })
    child.once('exit', (code) => reject(new Error(`cluster process exited with ${code}`)))
  })
  return { ports, pid: child.pid!, stop: async () => { child.kill('SIGTERM'); await exited } }
}

async function createTopic(conn: KafkaConn, name: string, rf: number, leader: number, brokers: number, configs: Readonly<Record<string, string>> = {}): Promise<void> {
  // Explicit assignment: every topic led by the same broker (the first replica leads).
  const replicas = Array.from({ length: rf }, (_, i) => (leader + i) % brokers)
  const r = await conn.send<CreateTopicsResponse>(ApiKey.CreateTopics, 5, {
    topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: replicas }],
      configs: [{ name: 'min.insync.replicas', value: String(Math.min(2, rf)) }, ...Object.entries(configs).map(([name, value]) => ({ name, value }))] }],
    timeoutMs: 30_000, validateOnly: false,
  })
  const t = r.topics[0]!
  if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: ${t.errorCode} ${t.errorMessage}`)
}


export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--duration-ms')
  const durationMs = i >= 0 ? Number(args[i + 1]) : 8000
  if (args.includes('--processes')) {
    console.log('one process per broker (etcd):')
    await runProcessThroughput(durationMs, pickRows(args), args, (label, r, cpu) => console.log(rowLine(label, r, cpu)))
    return
  }
  if (!args.includes('--failover-only')) await runThroughput(durationMs, args)
  if (args.includes('--no-failover')) return
  const f = await runFailover()
  console.log(`failover (etcd + 3 processes, session ${6000} ms): SIGKILL of the leader -> first acknowledged write ${f.killToFirstAckMs.toFixed(0)} ms; ` +
    `SIGTERM (controlled shutdown) of the next leader -> longest producer stall ${f.termStallMs.toFixed(0)} ms (${f.acked} records acknowledged in order)`)
}

async function runThroughput(durationMs: number, args: string[]): Promise<void> {
  const w = args.indexOf('--window-prof')
  const profileDir = w >= 0 ? args[w + 1] : undefined
  const cluster = await startClusterProcess(brokerNodeFlags(args), profileDir)
  console.log(`brokers in process ${cluster.pid}`)
  try {
    const port = cluster.ports[0]!
    const admin = await KafkaConn.open(HOST, port, 'bench-admin')
    await createTopic(admin, 'rf1', 1, 0, 3)
    await createTopic(admin, 'rf3', 3, 0, 3)
    await createTopic(admin, rowTopic('rf1', 'steady'), 1, 0, 3, STEADY_TOPIC_CONFIGS)
    await createTopic(admin, rowTopic('rf3', 'steady'), 3, 0, 3, STEADY_TOPIC_CONFIGS)
    await createTopic(admin, WARMUP_TOPIC, 3, 0, 3, STEADY_TOPIC_CONFIGS)
    await createTopic(admin, 'rf3-latency', 3, 0, 3)
    admin.close()
    await new Promise((r) => setTimeout(r, 500))
    const job = (topic: string, acks: number) => ({
      kind: 'produce' as const, host: HOST, port, topic, partitions: 1, recordBytes: 1024, acks,
      batchBytes: 64 * 1024, batchesPerRequest: 1, inFlight: 8, warmupMs: 1000, durationMs, maxBytes: 4 * 1024 ** 3,
    })
    if (!args.includes('--no-warm-up')) await warmUp(job('rf3', -1))
    for (const mode of pageCacheModes(args)) {
      console.log(`page cache ${mode}:`)
      const figures = new Map<string, RateResult>()
      for (const [label, topic, acks] of pickRows(args)) {
        const cpu = cpuWindow([cluster.pid])
        // --window-prof: the broker process profiles exactly this row's measured window (SIGUSR2).
        const hooks = profileDir ? {
          onStart: () => { cpu.hooks.onStart?.(); process.kill(cluster.pid, 'SIGUSR2') },
          onEnd: () => { cpu.hooks.onEnd?.(); process.kill(cluster.pid, 'SIGUSR2') },
        } : cpu.hooks
        const r = await runRow(job(topic, acks), mode, hooks)
        figures.set(label, r)
        console.log(rowLine(label, r, cpu.ms()))
      }
      console.log(ratioLine(figures))
    }
    if (args.includes('--no-latency')) return
    const l = await runLatency({ kind: 'latency', host: HOST, port, topic: 'rf3-latency', recordBytes: 100, acks: -1, ratePerSec: 5000, warmupMs: 1000, durationMs })
    console.log(`e2e at 5,000 msg/s, RF=3 acks=all: p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, p99.9 ${l.p999.toFixed(1)} ms, ` +
      `ack p99 ${l.ackP99.toFixed(1)} ms, achieved ${l.achievedRate.toFixed(0)}/s${l.errors ? `, errors ${l.errors} (${l.firstError})` : ''}`)
  } finally {
    await cluster.stop()
  }
}
