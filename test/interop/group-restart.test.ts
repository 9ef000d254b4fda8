// A broker restart (graceful, then SIGKILL) in the middle of an active consumer group: the group
// and its committed offsets come back from __consumer_offsets, the confluent_kafka consumer keeps
// its membership (its heartbeats match the reloaded generation) and finishes without loss.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKcat, runPython } from '../helpers/run.ts'
import { CK_SLOW_CONSUMER } from './group-py-scripts.ts'

describe('consumer group across broker restarts', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({
      settings: { 'num.partitions': '2', 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '5' },
    })
  })
  after(async () => {
    await broker?.close()
  })

  for (const crash of [false, true]) {
    it(`${crash ? 'SIGKILL' : 'clean'} restart mid-group: committed offsets intact, consumer continues without loss`, async () => {
      const topic = `restart-${crash ? 'kill' : 'clean'}`
      const n = 400
      for (let p = 0; p < 2; p++) {
        const values = Array.from({ length: n / 2 }, (_, i) => String(2 * i + p)).join('\n') + '\n'
        await runKcat(broker.bootstrap, ['-P', '-t', topic, '-p', String(p)], { input: values })
      }
      const run = runPython(CK_SLOW_CONSUMER, [broker.bootstrap, topic, `${topic}-group`, String(n)], { modules: ['confluent_kafka'], timeoutMs: 120_000 })
      // Restart while the consumer is about half way through (it commits each message).
      await new Promise((r) => setTimeout(r, 2500))
      await broker.restart({ crash })
      const out = JSON.parse((await run).stdout.trim().split('\n').pop()!) as { missing: number[], count: number, dupes: number, committed: number }
      assert.deepEqual(out.missing, [])
      assert.equal(out.count, n)
      assert.ok(out.dupes <= 1, `at most the message in flight at the crash is seen twice (${out.dupes})`)
      assert.equal(out.committed, n, 'every offset committed')
      // The commits survived the restart: a new member of the group has nothing left to read.
      const again = await runKcat(broker.bootstrap, ['-G', `${topic}-group`, topic, '-q', '-e', '-f', '%s\\n', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000'], { timeoutMs: 30_000 })
      assert.equal(again.stdout.trim(), '')
    })
  }
})
