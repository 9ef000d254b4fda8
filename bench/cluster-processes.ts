// The replication throughput comparison with one process per broker (etcd + three `samsa start`
// processes), beside bench/cluster.ts's in-one-process figures: there, three brokers share one
// event loop, which caps RF=3 near a third of RF=1 before any replication cost. Same producer
// (one connection, 8 pipelined requests of one 64 KiB batch of 1 KiB records), same topics
// (one partition led by broker 1; RF=3 with min.insync.replicas=2). `--processes` on `bench cluster`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEtcd } from '../src/cli/dev/etcd-server.ts'
import { Admin } from '../src/client/index.ts'
import { startBrokerProcess } from './broker-process.ts'
import type { BenchBroker } from './broker-process.ts'
import type { RateResult } from './loadgen/jobs.ts'
import { BENCH_BROKER_CONFIGS, brokerNodeFlags, cpuWindow, pageCacheModes, ratioLine, rowTopic, runRow, STEADY_TOPIC_CONFIGS, warmUp, WARMUP_TOPIC } from './cluster-rows.ts'
import type { BrokerCpu, Row } from './cluster-rows.ts'

const HOST = '127.0.0.1'

export async function runProcessThroughput(durationMs: number, rows: readonly Row[], args: string[],
  report: (label: string, r: RateResult, brokerCpu?: BrokerCpu) => void): Promise<void> {
  const nodeFlags = brokerNodeFlags(args)
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-etcd-'))
  const etcd = await startEtcd({ dataDir: join(dir, 'data') })
  const brokers: BenchBroker[] = []
  try {
    brokers.push(...await Promise.all([1, 2, 3].map((id) => startBrokerProcess(`rf-${id}`, {
      'node.id': String(id), 'etcd.connect': `${etcd.endpoint}/bench-rf`, 'admin.listeners': '', 'auto.leader.rebalance.enable': 'false', ...BENCH_BROKER_CONFIGS,
    }, nodeFlags))))
    const admin = new Admin({ bootstrapServers: brokers.map((b) => `${HOST}:${b.port}`).join(',') })
    await admin.createTopics([
      { topic: 'rf1', assignments: { 0: [1] } },
      { topic: 'rf3', assignments: { 0: [1, 2, 3] }, configs: { 'min.insync.replicas': '2' } },
      { topic: rowTopic('rf1', 'steady'), assignments: { 0: [1] }, configs: STEADY_TOPIC_CONFIGS },
      { topic: rowTopic('rf3', 'steady'), assignments: { 0: [1, 2, 3] }, configs: { 'min.insync.replicas': '2', ...STEADY_TOPIC_CONFIGS } },
      { topic: WARMUP_TOPIC, assignments: { 0: [1, 2, 3] }, configs: { 'min.insync.replicas': '2', ...STEADY_TOPIC_CONFIGS } },
    ])
    await admin.close()
    const port = brokers[0]!.port
    if (!args.includes('--no-warm-up')) {
      await warmUp({ kind: 'produce', host: HOST, port, topic: WARMUP_TOPIC, partitions: 1, recordBytes: 1024, acks: -1,
        batchBytes: 64 * 1024, batchesPerRequest: 1, inFlight: 8, warmupMs: 0, durationMs: 60_000, maxBytes: 0 })
    }
    for (const mode of pageCacheModes(args)) {
      console.log(`page cache ${mode}:`)
      const figures = new Map<string, RateResult>()
      for (const [label, topic, acks] of rows) {
        const cpu = cpuWindow(brokers.map((b) => b.pid!))
        const r = await runRow({
          kind: 'produce', host: HOST, port, topic, partitions: 1, recordBytes: 1024, acks,
          batchBytes: 64 * 1024, batchesPerRequest: 1, inFlight: 8, warmupMs: 1000, durationMs, maxBytes: 4 * 1024 ** 3,
        }, mode, cpu.hooks)
        report(label, r, cpu.ms())
        figures.set(label, r)
      }
      console.log(ratioLine(figures))
    }
  } finally {
    await Promise.all(brokers.map((b) => b.stop()))
    await etcd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
