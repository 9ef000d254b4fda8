// Consumer groups with Python clients against a real `samsa start`: confluent_kafka (librdkafka
// 2.0.2) with the range, roundrobin and cooperative-sticky assignors, sync and async commits,
// take-over after a member closes, resume from committed offsets, static membership without a
// rebalance; kafka-python's group consumer.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runPython } from '../helpers/run.ts'
import { CK_GROUP, CK_STATIC, KP_GROUP } from './group-py-scripts.ts'

const lastJson = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>

describe('consumer groups: Python clients', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa({
      settings: { 'num.partitions': '4', 'group.initial.rebalance.delay.ms': '0', 'group.min.session.timeout.ms': '1000', 'offsets.topic.num.partitions': '5' },
    })
  })
  after(async () => {
    await broker?.close()
  })

  for (const strategy of ['range', 'roundrobin', 'cooperative-sticky']) {
    it(`confluent_kafka ${strategy}: split, commit sync/async, take over, resume from commits`, async () => {
      const n = 200
      const r = await runPython(CK_GROUP, [broker.bootstrap, `ck-${strategy}`, `ck-group-${strategy}`, strategy, String(n)],
        { modules: ['confluent_kafka'], timeoutMs: 120_000 })
      const out = lastJson(r.stdout) as { split: { a: number[], b: number[] }, after_leave: number[], missing: number[], dupes: number, resumed: number[], committed: number[] }
      assert.ok(out.split.a.length > 0 && out.split.b.length > 0, `both members own partitions: ${JSON.stringify(out.split)}`)
      assert.deepEqual([...out.split.a, ...out.split.b].sort(), [0, 1, 2, 3])
      assert.deepEqual(out.after_leave, [0, 1, 2, 3], 'the remaining member took every partition')
      assert.deepEqual(out.missing, [])
      assert.equal(out.dupes, 0)
      assert.deepEqual(out.resumed, Array.from({ length: 8 }, (_, i) => 2 * n + i), 'a new member starts at the committed offsets')
      assert.deepEqual(out.committed, [100, 100, 100, 100], 'what the first two members committed')
    })
  }

  it('confluent_kafka static membership: a member restarted within the session timeout causes no rebalance', async () => {
    const r = await runPython(CK_STATIC, [broker.bootstrap, 'ck-static', 'ck-static-group'], { modules: ['confluent_kafka'], timeoutMs: 90_000 })
    const out = lastJson(r.stdout) as { before: { a: number[], b: number[] }, a2: number[], b_events_after: unknown[] }
    assert.equal(out.before.a.length + out.before.b.length, 4)
    assert.deepEqual(out.a2, out.before.a, 'the new process got the old assignment')
    assert.deepEqual(out.b_events_after, [], 'the other member saw no rebalance')
  })

  it('kafka-python group consumer: consume, commit, resume', async () => {
    const r = await runPython(KP_GROUP, [broker.bootstrap, 'kp-group-topic', 'kp-group', '30'], { modules: ['kafka'], timeoutMs: 90_000 })
    const out = lastJson(r.stdout) as { first: number[], again: number[] }
    assert.deepEqual(out.first, Array.from({ length: 30 }, (_, i) => i))
    assert.deepEqual(out.again, [30, 31, 32, 33, 34])
  })
})
