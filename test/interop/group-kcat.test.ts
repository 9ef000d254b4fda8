// kcat balanced consumers (librdkafka 2.0.2, classic protocol, range/roundrobin) against a real
// `samsa start`: three processes split six partitions two each; one leaves, the other two take its
// partitions over and continue from its committed offsets; every message is seen exactly once.
// Assignments are read from kcat's rebalance lines on stderr, and data is produced only once the
// group is balanced: processes start at different speeds on a loaded machine, and a member that
// joins alone first owns (and reads) every partition until the others arrive.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKcat } from '../helpers/run.ts'
import { requireTool } from '../helpers/tools.ts'

interface Consumer {
  readonly proc: ChildProcess
  /** "partition offset value" lines seen so far. */
  readonly lines: string[]
  readonly stderr: string[]
  /** Partitions assigned by the latest rebalance (eager protocol: each assignment replaces the last), or null when none. */
  assigned: number[] | null
  exited: Promise<number | null>
}

/** kcat (not -q) says "% Group g rebalanced (memberid m): assigned: t [0], t [1]" and "...: revoked: ...". */
const REBALANCE = /rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/

function startConsumer(kcat: string, bootstrap: string, group: string, topic: string): Consumer {
  const proc = spawn(kcat, [
    '-b', bootstrap, '-G', group, topic, '-u', '-f', '%p %o %s\\n',
    '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300',
    '-X', 'enable.auto.commit=true', '-X', 'auto.commit.interval.ms=200', '-X', 'topic.metadata.refresh.interval.ms=1000',
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  const c: Consumer = { proc, lines: [], stderr: [], assigned: null, exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) }
  let buf = ''
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d
    const parts = buf.split('\n')
    buf = parts.pop()!
    c.lines.push(...parts.filter(Boolean))
  })
  let errBuf = ''
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    c.stderr.push(d)
    errBuf += d
    const parts = errBuf.split('\n')
    errBuf = parts.pop()!
    for (const line of parts) {
      const m = REBALANCE.exec(line)
      if (!m) continue
      c.assigned = m[1] === 'revoked' ? null : [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])).sort()
    }
  })
  return c
}

async function waitFor(what: string, cond: () => boolean, ms: number, diag: () => string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${diag()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const partitionsOf = (c: Consumer): number[] => [...new Set(c.lines.map((l) => Number(l.split(' ')[0])))].sort()

describe('kcat balanced consumer group', () => {
  let broker: SamsaBroker
  const consumers: Consumer[] = []
  before(async () => {
    broker = await startSamsa({
      settings: { 'num.partitions': '6', 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '5' },
    })
  })
  after(async () => {
    for (const c of consumers) if (c.proc.exitCode === null) c.proc.kill('SIGKILL')
    await broker?.close()
  })

  const produce = async (topic: string, from: number, perPartition: number): Promise<void> => {
    for (let p = 0; p < 6; p++) {
      const values = Array.from({ length: perPartition }, (_, i) => `v${p}-${from + i}`).join('\n') + '\n'
      await runKcat(broker.bootstrap, ['-P', '-t', topic, '-p', String(p)], { input: values })
    }
  }

  it('three processes split six partitions; one leaves; the rest take over without loss or duplicates', async () => {
    const kcat = requireTool('kcat')
    const topic = 'grp-kcat'
    // The topic exists (six empty partitions) before the consumers subscribe.
    await runKcat(broker.bootstrap, ['-L', '-t', topic])
    const diag = (): string => consumers.map((c, i) =>
      `consumer ${i}: ${c.lines.length} lines, read from ${partitionsOf(c)}, assigned ${c.assigned}\n${c.stderr.join('').slice(-1500)}`).join('\n') +
      `\nbroker:\n${broker.output().slice(-3000)}`
    for (let i = 0; i < 3; i++) consumers.push(startConsumer(kcat, broker.bootstrap, 'kcat-group', topic))
    const total = (): number => consumers.reduce((n, c) => n + c.lines.length, 0)
    // The split: each of the three owns two partitions, together all six.
    await waitFor('balanced assignment', () => consumers.every((c) => c.assigned?.length === 2) &&
      consumers.flatMap((c) => c.assigned!).sort().join() === '0,1,2,3,4,5', 60_000, diag)
    const owned = consumers.map((c) => c.assigned!)
    await produce(topic, 0, 50)
    await waitFor('first 300 messages', () => total() >= 300, 60_000, diag)
    assert.deepEqual(consumers.map(partitionsOf), owned, 'each consumer read exactly the partitions it was assigned')
    // Let auto-commit catch up, then the first consumer leaves (kcat closes: commit + LeaveGroup).
    await new Promise((r) => setTimeout(r, 1000))
    const leaver = consumers[0]
    leaver.proc.kill('SIGTERM')
    await leaver.exited
    const seenBefore = total()
    await produce(topic, 50, 50)
    await waitFor('all 600 messages', () => total() >= 600, 60_000, diag)
    await new Promise((r) => setTimeout(r, 500))
    const all = consumers.flatMap((c) => c.lines.map((l) => l.split(' ')[2]))
    const unique = new Set(all)
    assert.equal(unique.size, 600, 'nothing lost')
    assert.equal(all.length, 600, `nothing consumed twice (${all.length - seenBefore} after the leave)`)
    // The leaver's partitions moved to the remaining two.
    const late = consumers.slice(1).flatMap((c) => c.lines.filter((l) => Number(l.split(' ')[2].split('-')[1]) >= 50).map((l) => Number(l.split(' ')[0])))
    for (const p of owned[0]) assert.ok(late.includes(p), `partition ${p} was taken over`)
    assert.deepEqual(consumers.slice(1).flatMap((c) => c.assigned ?? []).sort(), [0, 1, 2, 3, 4, 5], 'the two left own every partition')
    for (const c of consumers.slice(1)) {
      c.proc.kill('SIGTERM')
      await c.exited
    }
    // Everything committed: a new member of the group reads nothing old.
    const again = await runKcat(broker.bootstrap, ['-G', 'kcat-group', topic, '-q', '-e', '-f', '%s\\n', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000'], { timeoutMs: 30_000 })
    assert.equal(again.stdout.trim(), '')
  })
})
