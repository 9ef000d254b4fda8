// Three real `samsa start` processes and a real etcd on loopback: metadata and control through
// etcd. A topic created on one broker is seen by all with leaders spread; kcat lists every broker;
// SIGKILL of the controller hands the claim to another broker; SIGKILL of a partition leader
// gets the partition a new leader from the ISR within the session timeout; SIGTERM hands
// leadership over before the broker stops; a duplicate node.id
// and a bad etcd.connect are refused with clear errors; a partition leader killed three times under
// an idempotent acks=all confluent_kafka producer loses and duplicates nothing.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa, samsaArgs, waitForBrokers } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { startTestEtcd } from '../helpers/etcd.ts'
import type { TestEtcd } from '../helpers/etcd.ts'
import { runKcat, runProcess, runPython } from '../helpers/run.ts'
import { runKafkaJs } from '../helpers/kafkajs.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { fileURLToPath } from 'node:url'
import { writeFileSync } from 'node:fs'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const SESSION_MS = 6000

interface KcatMetadata {
  controllerid: number
  brokers: { id: number, name: string }[]
  topics: { topic: string, partitions: { partition: number, leader: number, replicas: { id: number }[], isrs: { id: number }[] }[] }[]
}

let etcd: TestEtcd
let connect: string
const brokers = new Map<number, SamsaBroker>()

async function metadata(via: SamsaBroker, topic?: string): Promise<KcatMetadata> {
  const r = await runKcat(via.bootstrap, ['-L', '-J', ...(topic ? ['-t', topic] : [])], { timeoutMs: 15_000 })
  return JSON.parse(r.stdout) as KcatMetadata
}

/** Polls `fn` until it returns a value (not undefined); fails after `ms`. */
async function eventually<T>(ms: number, what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ''}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const settings = (id: number) => ({ 'node.id': String(id), 'etcd.connect': connect, 'broker.session.timeout.ms': String(SESSION_MS), 'broker.heartbeat.interval.ms': '1000' })

before(async () => {
  etcd = await startTestEtcd()
  connect = etcd.connect()
  const started = await Promise.all([1, 2, 3].map((id) => startSamsa({ settings: settings(id), readyTimeoutMs: 60_000 })))
  started.forEach((b, i) => brokers.set(i + 1, b))
  await waitForBrokers(started)
})

after(async () => {
  await Promise.all([...brokers.values()].map((b) => b.close()))
  await etcd?.close()
})

const live = () => [...brokers.values()].filter((b) => b.pid !== undefined)

test('a topic created through one broker is seen by all, leaders spread, replicas on every broker; kcat lists 3 brokers', async () => {
  const b1 = brokers.get(1)!
  const t0 = Date.now()
  await runKafkaJs([b1.bootstrap], async (kafka) => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 6, replicationFactor: 3 }], waitForLeaders: false }), true)
      const cluster = await admin.describeCluster()
      assert.deepEqual(cluster.brokers.map((b) => b.nodeId).sort(), [1, 2, 3])
      assert.ok([1, 2, 3].includes(cluster.controller!), `controller ${cluster.controller}`)
    } finally {
      await admin.disconnect()
    }
  }, { timeoutMs: 30_000 })
  process.stdout.write(`# create + describeCluster: ${Date.now() - t0} ms\n`)
  for (const via of brokers.values()) {
    const md = await eventually(10_000, 'topic visible', async () => {
      const m = await metadata(via, 'spread')
      return m.topics[0]?.partitions.length === 6 ? m : undefined
    })
    assert.deepEqual(md.brokers.map((b) => b.id).sort(), [1, 2, 3], 'kcat -L lists every broker')
    const parts = md.topics[0]!.partitions
    assert.ok(parts.every((p) => p.replicas.length === 3), 'replication factor 3')
    assert.equal(new Set(parts.map((p) => p.leader)).size, 3, 'leaders spread over the brokers')
    assert.ok([1, 2, 3].includes(md.controllerid))
  }
})

test('SIGKILL of the controller: another broker takes the claim; SIGKILL of a leader: a new leader from the ISR within the session', async () => {
  const before = await metadata(brokers.get(1)!)
  const controller = before.controllerid
  const victim = brokers.get(controller)!
  const killedAt = Date.now()
  await victim.kill()
  const survivor = [...brokers.entries()].find(([id]) => id !== controller)![1]
  const next = await eventually(SESSION_MS + 8000, 'a new controller', async () => {
    const m = await metadata(survivor, 'spread')
    const moved = m.topics[0]!.partitions.every((p) => p.leader !== controller && p.leader >= 0 && !p.isrs.some((r) => r.id === controller))
    return m.controllerid !== controller && m.controllerid > 0 && moved && m.brokers.length === 2 ? m : undefined
  })
  const failoverMs = Date.now() - killedAt
  assert.ok(failoverMs < SESSION_MS + 4000, `failover took ${failoverMs} ms`)
  process.stdout.write(`# controller failover after SIGKILL: ${failoverMs} ms\n`)
  // Now a partition leader that is not the controller.
  const leader = next.topics[0]!.partitions.map((p) => p.leader).find((l) => l !== next.controllerid)!
  assert.ok(leader !== undefined, 'some partition is led by the non-controller')
  await brokers.get(leader)!.kill()
  const last = brokers.get(next.controllerid)!
  const t1 = Date.now()
  const after = await eventually(SESSION_MS + 8000, 'leaders moved to the last broker', async () => {
    const m = await metadata(last, 'spread')
    return m.topics[0]!.partitions.every((p) => p.leader === next.controllerid) ? m : undefined
  })
  process.stdout.write(`# partition leader failover after SIGKILL: ${Date.now() - t1} ms\n`)
  assert.deepEqual(after.brokers.map((b) => b.id), [next.controllerid])
  // Both come back: they rejoin (new broker epochs) and are listed again.
  await Promise.all([controller, leader].map((id) => brokers.get(id)!.restart()))
  await eventually(15_000, 'all three listed and back in every ISR', async () => {
    const m = await metadata(last, 'spread')
    return m.brokers.length === 3 && m.topics[0]!.partitions.every((p) => p.isrs.length === 3) ? true : undefined
  })
  assert.equal(live().length, 3)
  // Controlled shutdown (SIGTERM) of the broker leading everything: leadership moves at once.
  const t2 = Date.now()
  const stopping = last.stop('SIGTERM')
  const other = brokers.get(controller)!
  await eventually(SESSION_MS, 'leaders moved by the controlled shutdown', async () => {
    const m = await metadata(other, 'spread')
    return m.topics[0]!.partitions.every((p) => p.leader !== next.controllerid && p.leader >= 0) ? true : undefined
  })
  const handoffMs = Date.now() - t2
  process.stdout.write(`# leadership moved after SIGTERM (controlled shutdown): ${handoffMs} ms\n`)
  assert.ok(handoffMs < 4000, `controlled shutdown took ${handoffMs} ms`)
  assert.equal((await stopping).code, 0)
  await last.restart()
})

test('a second live broker with the same node.id refuses to start; a bad etcd.connect is a clear error', async () => {
  const dir = makeTempDir('samsa-dup-')
  try {
    const run = (sub: string, over: Record<string, string>) =>
      runProcess(process.execPath, samsaArgs(`${dir}/${sub}`, 0, over), { cwd: REPO, timeoutMs: SESSION_MS + 50_000 })
    const [dup, bad, down] = await Promise.all([
      run('dup', settings(2)),
      run('bad', { ...settings(7), 'etcd.connect': 'localhost' }),
      run('down', { ...settings(7), 'etcd.connect': '127.0.0.1:1/x' }),
    ])
    const said = (r: typeof dup) => `${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}:\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-3000)}`
    assert.equal(dup.code, 1, said(dup))
    assert.match(dup.stderr, /node\.id 2 is already registered by a live broker/)
    assert.equal(bad.code, 1, said(bad))
    assert.match(bad.stderr, /invalid configuration: etcd\.connect: 'localhost' is not HOST:PORT/)
    assert.equal(down.code, 1, said(down))
    assert.match(down.stderr, /cannot reach etcd at 127\.0\.0\.1:1/)
    // A user's problem is one line: its cause, no stack trace.
    assert.match(down.stderr, /ECONNREFUSED|No connection established|UNAVAILABLE/, said(down))
    for (const r of [dup, down]) assert.doesNotMatch(r.stderr, /^\s+at /m, said(r))
  } finally {
    removeTempDir(dir)
  }
})

/**
 * An idempotent acks=all confluent_kafka producer (values 0, 1, 2, ... round-robin over the
 * partitions) and a group consumer in one process, until `stop` exists; then it flushes, reads on
 * until it has every acknowledged value (or 60 s), and prints what was lost, duplicated in the log
 * (distinct offsets, same value) or out of order. argv: bootstrap topic partitions stop-file.
 */
const CK_PRODUCE_THROUGH_KILLS = `
import sys, os, json, time, threading
from confluent_kafka import Producer, Consumer
b, topic, parts, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
acked, errors = set(), []
def dr(err, msg):
    if err is None: acked.add(int(msg.value()))
    else: errors.append(str(err))
log, done, polls = {}, [False], [0]
def consume():
    c = Consumer({'bootstrap.servers': b, 'group.id': 'kill-loop', 'auto.offset.reset': 'earliest', 'enable.auto.commit': True,
                  'auto.commit.interval.ms': 500, 'session.timeout.ms': 10000})
    c.subscribe([topic])
    while not done[0]:
        for m in c.consume(500, 0.2):
            if m.error() is None: log[(m.partition(), m.offset())] = int(m.value())
        polls[0] += 1
    c.close()
t = threading.Thread(target=consume); t.start()
p = Producer({'bootstrap.servers': b, 'acks': 'all', 'enable.idempotence': True, 'linger.ms': 5, 'message.timeout.ms': 120000,
              'retry.backoff.ms': 100, 'reconnect.backoff.max.ms': 500, 'topic.metadata.refresh.interval.ms': 1000})
i, t0 = 0, time.time()
# Until the test says stop, or its folder is gone (a failed test), or far too long.
while not os.path.exists(stop) and os.path.isdir(os.path.dirname(stop)) and time.time() - t0 < 200:
    p.produce(topic, partition=i % parts, value=b'%d' % i, on_delivery=dr)
    i += 1
    if i % 50 == 0:
        p.poll(0)
        time.sleep(0.05)
left = p.flush(120)
deadline = time.time() + 60
while time.time() < deadline and not acked <= set(log.values()): time.sleep(0.2)
done[0] = True
t.join()
byp = {}
for (part, off), v in sorted(log.items()): byp.setdefault(part, []).append(v)
values = [v for vs in byp.values() for v in vs]
print(json.dumps({'sent': i, 'acked': len(acked), 'unflushed': left, 'errors': errors[:5], 'lost': sorted(acked - set(values))[:10],
                  'duplicated': len(values) - len(set(values)), 'unordered': sum(1 for vs in byp.values() for x, y in zip(vs, vs[1:]) if x >= y)}))
`

test('SIGKILL of a partition leader, three times, under an idempotent acks=all producer (RF 3, min.insync.replicas=2): nothing acknowledged lost or duplicated, the consumer continues, every replica back in the ISR', { timeout: 240_000 }, async () => {
  const topic = 'kill-loop'
  await runKafkaJs([brokers.get(1)!.bootstrap], async (kafka) => {
    const a = kafka.admin()
    await a.connect()
    try {
      await a.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] })
    } finally {
      await a.disconnect()
    }
  }, { timeoutMs: 30_000 })
  const dir = makeTempDir('samsa-kill-loop-')
  const stop = `${dir}/stop`
  try {
    const bootstrap = [...brokers.values()].map((b) => b.bootstrap).join(',')
    const producing = runPython(CK_PRODUCE_THROUGH_KILLS, [bootstrap, topic, '3', stop], { modules: ['confluent_kafka'], timeoutMs: 220_000 })
    const allInSync = (m: KcatMetadata) => m.brokers.length === 3 && m.topics[0]!.partitions.length === 3 && m.topics[0]!.partitions.every((p) => p.isrs.length === 3 && p.leader >= 0)
    for (let round = 0; round < 3; round++) {
      const via = brokers.get(1 + (round + 1) % 3)!
      const md = await eventually(20_000, 'every replica in the ISR', async () => {
        const m = await metadata(via, topic)
        return allInSync(m) ? m : undefined
      })
      await new Promise((r) => setTimeout(r, 1000))
      const leader = md.topics[0]!.partitions.find((p) => p.partition === round)!.leader
      await brokers.get(leader)!.kill()
      const survivor = brokers.get([1, 2, 3].find((id) => id !== leader)!)!
      await eventually(SESSION_MS + 10_000, `a new leader for ${topic}-${round}`, async () => {
        const m = await metadata(survivor, topic)
        const p = m.topics[0]!.partitions.find((q) => q.partition === round)!
        return p.leader >= 0 && p.leader !== leader ? true : undefined
      })
      await brokers.get(leader)!.restart()
    }
    await eventually(30_000, 'every replica back in the ISR', async () => allInSync(await metadata(brokers.get(1)!, topic)) ? true : undefined)
    writeFileSync(stop, '')
    const r = JSON.parse((await producing).stdout.trim().split('\n').at(-1)!) as
      { sent: number, acked: number, unflushed: number, errors: string[], lost: number[], duplicated: number, unordered: number }
    process.stdout.write(`# kill loop: ${JSON.stringify(r)}\n`)
    assert.deepEqual(r.errors, [])
    assert.equal(r.unflushed, 0)
    assert.equal(r.acked, r.sent, 'every message acknowledged')
    assert.deepEqual(r.lost, [], 'no acknowledged message lost (the consumer read them all)')
    assert.equal(r.duplicated, 0, 'no message twice in the log')
    assert.equal(r.unordered, 0, 'order kept within each partition')
  } finally {
    removeTempDir(dir) // stops the producer too, should a round have failed
  }
})
