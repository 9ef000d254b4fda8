// max.broker.partitions: invented topic names (auto-creation) and large partition counts cannot
// make the broker host more partitions than the limit; internal topics are always created.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBroker } from '../../../src/broker/broker.ts'
import { BrokerConfig } from '../../../src/broker/config/index.ts'
import { pino } from 'pino'
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/errors.ts'

const refused = (err: unknown) => err instanceof KafkaProtocolError && err.code === ErrorCode.POLICY_VIOLATION &&
  /max\.broker\.partitions \(6\)/.test(err.message)

test('create, auto-create and add-partitions stop at max.broker.partitions; internal topics are exempt; one warning per episode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-plimit-'))
  const config = new BrokerConfig(Object.entries({
    listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'max.broker.partitions': '6', 'num.partitions': '2',
    'offsets.topic.num.partitions': '3',
  }))
  const warnings: string[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push((JSON.parse(line) as { msg: string }).msg) } })
  const b = await runBroker(config, { log })
  try {
    const topics = b.context.topics
    await topics.createTopic({ name: 'a', numPartitions: 3, replicationFactor: -1 })
    await assert.rejects(topics.createTopic({ name: 'b', numPartitions: 4, replicationFactor: -1 }), refused)
    await assert.rejects(topics.createTopic({ name: 'b', numPartitions: 4, replicationFactor: -1 }, { validateOnly: true }), refused)
    // Concurrent auto-creations of invented names: only as many as fit (2 partitions each, 3 free).
    const made = await Promise.allSettled(['x1', 'x2', 'x3'].map((n) => topics.autoCreate(n)))
    assert.equal(made.filter((r) => r.status === 'fulfilled').length, 1)
    for (const r of made) if (r.status === 'rejected') assert.ok(refused(r.reason), String(r.reason))
    await assert.rejects(topics.createPartitions('a', 5, null), refused)
    await topics.createPartitions('a', 4, null)
    assert.equal([...b.context.metadata.topics()].reduce((n, t) => n + t.partitions, 0), 6)
    // The coordinators' topics are created even when the limit is reached, and count towards it.
    assert.equal((await topics.ensureInternalTopic('__consumer_offsets')).partitions, 3)
    // A flood of invented names: one warning when the limit starts refusing, not one per name.
    const before = warnings.length
    for (let i = 0; i < 20; i++) await assert.rejects(topics.autoCreate(`flood-${i}`), refused)
    assert.deepEqual(warnings.slice(before).map((w) => w.slice(0, 23)), ['refusing new partitions'])
  } finally {
    await b.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
