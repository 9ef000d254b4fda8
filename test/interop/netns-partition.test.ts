// A real network partition: broker 1 runs in its own network namespace (joined by a veth pair,
// made and removed here) and leads a replication-factor-3 partition with min.insync.replicas=2;
// brokers 2 and 3 and etcd stay outside. The veth goes down. A confluent_kafka producer inside the
// namespace keeps writing acks=all to the isolated leader while another outside writes to the
// leader the majority elects. After healing, every acknowledged record is in the partition exactly
// once: the isolated leader acknowledged nothing the majority did not keep (it cannot grow its
// high watermark alone, nor shrink its ISR without etcd), and it truncated its unacknowledged tail
// and rejoined the ISR.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { startEtcd } from '../../src/cli/dev/etcd-server.ts'
import type { EtcdServer } from '../../src/cli/dev/etcd-server.ts'
import { createNetns, netnsUnavailable } from '../helpers/netns.ts'
import type { Netns } from '../helpers/netns.ts'
import { runKcat, runPython } from '../helpers/run.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { Admin } from '../../src/client/index.ts'

const unavailable = netnsUnavailable()
const TOPIC = 'split'

// Produces values prefix-0..n-1 with acks=all; prints one JSON line: the values acknowledged and the errors.
const PRODUCE = `
import sys, json
from confluent_kafka import Producer
b, topic, prefix, n, timeout_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
acked, errors = [], []
def cb(err, msg):
    if err: errors.append(str(err))
    else: acked.append(msg.value().decode())
p = Producer({'bootstrap.servers': b, 'acks': 'all', 'enable.idempotence': False, 'linger.ms': 0,
              'message.timeout.ms': timeout_ms, 'request.timeout.ms': min(timeout_ms, 5000), 'retries': 1000000})
for i in range(n):
    p.produce(topic, value=('%s-%d' % (prefix, i)).encode(), partition=0, on_delivery=cb)
    p.poll(0)
p.flush(timeout_ms / 1000 + 10)
print(json.dumps({'acked': acked, 'errors': errors[:3], 'failed': len(errors)}))
`

interface Produced { acked: string[], errors: string[], failed: number }

let ns: Netns | undefined
let etcd: EtcdServer | undefined
let etcdDir = ''
const brokers = new Map<number, SamsaBroker>()

before(async () => {
  if (unavailable) return
  ns = createNetns()
  etcdDir = makeTempDir('samsa-etcd-netns-')
  etcd = await startEtcd({ dataDir: `${etcdDir}/data`, host: ns.hostAddress })
  const settings = (id: number, host: string) => ({
    'node.id': String(id), 'etcd.connect': `${etcd!.endpoint}/netns`, listeners: `PLAINTEXT://${host}:0`,
    'broker.session.timeout.ms': '6000', 'broker.heartbeat.interval.ms': '1000', 'replica.lag.time.max.ms': '3000',
    'auto.leader.rebalance.enable': 'false',
  })
  const [b1, b2, b3] = await Promise.all([
    startSamsa({ netns: ns.name, settings: settings(1, ns.nsAddress), readyTimeoutMs: 60_000 }),
    startSamsa({ settings: settings(2, ns.hostAddress), readyTimeoutMs: 60_000 }),
    startSamsa({ settings: settings(3, ns.hostAddress), readyTimeoutMs: 60_000 }),
  ])
  brokers.set(1, b1!).set(2, b2!).set(3, b3!)
})

after(async () => {
  ns?.heal()
  await Promise.all([...brokers.values()].map((b) => b.close()))
  await etcd?.stop()
  if (etcdDir) removeTempDir(etcdDir)
  ns?.remove()
})

const majority = () => `${brokers.get(2)!.bootstrap},${brokers.get(3)!.bootstrap}`

async function produce(bootstrap: string, prefix: string, n: number, timeoutMs: number, netns?: string): Promise<Produced> {
  const args = [bootstrap, TOPIC, prefix, String(n), String(timeoutMs)]
  const r = netns === undefined
    ? await runPython(PRODUCE, args, { modules: ['confluent_kafka'], timeoutMs: timeoutMs + 20_000 })
    : await runPython(`import os, sys; os.execvp('ip', ['ip', 'netns', 'exec', ${JSON.stringify(netns)}, sys.executable, '-c', sys.argv[1]] + sys.argv[2:])`,
      [PRODUCE, ...args], { modules: ['confluent_kafka'], timeoutMs: timeoutMs + 20_000 })
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Produced
}

interface PartitionState { leader: number, isr: number[] }

async function state(bootstrap: string): Promise<PartitionState> {
  const md = JSON.parse((await runKcat(bootstrap, ['-L', '-J', '-t', TOPIC], { timeoutMs: 10_000 })).stdout) as
    { topics: { partitions: { leader: number, isrs: { id: number }[] }[] }[] }
  const p = md.topics[0]!.partitions[0]!
  return { leader: p.leader, isr: p.isrs.map((r) => r.id).sort() }
}

async function until(ms: number, what: string, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  while (!await ok().catch(() => false)) {
    assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

test('an isolated leader acknowledges no acks=all write that the majority does not keep', { skip: unavailable }, async () => {
  const admin = new Admin({ bootstrapServers: majority() })
  try {
    // A broker is "ready" once it listens; its registration may reach the others' images a moment later.
    await until(20_000, 'all three brokers registered', async () => (await admin.describeCluster()).brokers.length === 3)
    await admin.createTopics([{ topic: TOPIC, assignments: { 0: [1, 2, 3] }, configs: { 'min.insync.replicas': '2' } }])
  } finally {
    await admin.close()
  }
  await until(15_000, 'broker 1 leads with a full ISR', async () => {
    const s = await state(majority())
    return s.leader === 1 && s.isr.join() === '1,2,3'
  })
  const before = await produce(majority(), 'pre', 20, 10_000)
  assert.equal(before.acked.length, 20, `before the partition: ${JSON.stringify(before.errors)}`)

  ns!.partition()
  const t0 = Date.now()
  // Both sides write at once: the isolated one to broker 1 (which still thinks it leads), the
  // majority one to whichever broker the controller elects once broker 1's lease lapses.
  const [isolated, majoritySide] = await Promise.all([
    produce(brokers.get(1)!.bootstrap, 'iso', 10, 8000, ns!.name),
    (async () => {
      await until(20_000, 'the majority elects a new leader', async () => [2, 3].includes((await state(majority())).leader))
      process.stdout.write(`# new leader on the majority side ${Date.now() - t0} ms after the partition\n`)
      return produce(majority(), 'maj', 20, 10_000)
    })(),
  ])
  process.stdout.write(`# isolated side: ${isolated.acked.length} acked, ${isolated.failed} failed (${isolated.errors[0] ?? ''}); majority side: ${majoritySide.acked.length} acked\n`)
  assert.equal(majoritySide.acked.length, 20, `majority side: ${JSON.stringify(majoritySide.errors)}`)

  ns!.heal()
  await until(30_000, 'broker 1 back in the ISR', async () => (await state(majority())).isr.join() === '1,2,3')
  const log = (await runKcat(majority(), ['-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { timeoutMs: 15_000 }))
    .stdout.split('\n').filter((l) => l !== '')
  const acked = [...before.acked, ...isolated.acked, ...majoritySide.acked]
  for (const v of acked) assert.equal(log.filter((x) => x === v).length, 1, `acknowledged ${v} is in the log exactly once`)
  assert.deepEqual(isolated.acked, [], 'the isolated leader acknowledged nothing (it cannot reach min.insync.replicas alone)')
  assert.equal(log.filter((v) => v.startsWith('iso-')).length, 0, 'its unacknowledged tail was truncated away')
  assert.deepEqual(log, [...before.acked, ...majoritySide.acked])
})
