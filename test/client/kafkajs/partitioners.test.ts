// The facade's partitioners against KafkaJS's own: for random keys (any bytes, any length) the
// legacy murmur2 gives KafkaJS 1.x's hash bit for bit, and Default/Legacy/JavaCompatible pick the
// same partition as KafkaJS's factories of the same name.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { randomBytes, randomInt } from 'node:crypto'
import { Partitioners, legacyMurmur2 } from '../../../src/client/kafkajs/partitioners.ts'
import type { PartitionerArgs } from '../../../src/client/kafkajs/partitioners.ts'

const require = createRequire(import.meta.url)
const kafkajs = require('kafkajs') as { Partitioners: Record<string, () => (a: PartitionerArgs) => number> }
const kafkajsLegacyMurmur2 = require('kafkajs/src/producer/partitioners/legacy/murmur2.js') as (k: Buffer) => number

const keys = Array.from({ length: 5_000 }, (_, i) => (i % 3 === 0 ? `key-${i}` : randomBytes(randomInt(0, 40))))

test('legacy murmur2 equals KafkaJS 1.x\'s for 5,000 random keys', () => {
  for (const k of keys) {
    const b = Buffer.isBuffer(k) ? k : Buffer.from(k)
    assert.equal(legacyMurmur2(b), kafkajsLegacyMurmur2(b), `key ${b.toString('hex')}`)
  }
})

test('Default, JavaCompatible and Legacy partitioners pick KafkaJS\'s partition for keyed and explicit messages', () => {
  const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: 1, replicas: [1], isr: [1] }))
  let differ = 0
  for (const name of ['DefaultPartitioner', 'JavaCompatiblePartitioner', 'LegacyPartitioner'] as const) {
    const ours = Partitioners[name]()
    const theirs = kafkajs.Partitioners[name]!()
    for (const key of keys) {
      const message = { key, value: 'v' }
      assert.equal(ours({ topic: 't', partitionMetadata, message }), theirs({ topic: 't', partitionMetadata, message }), `${name} key ${String(key)}`)
    }
    assert.equal(ours({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 5 } }), 5)
  }
  // The two hashes really differ (otherwise the legacy one would be pointless).
  const d = Partitioners.DefaultPartitioner()
  const l = Partitioners.LegacyPartitioner()
  for (const key of keys) if (d({ topic: 't', partitionMetadata, message: { key, value: null } }) !== l({ topic: 't', partitionMetadata, message: { key, value: null } })) differ++
  assert.ok(differ > 1_000, `only ${differ} keys land elsewhere`)
})

test('keyless messages go round-robin over partitions with a leader', () => {
  const partitionMetadata = [0, 1, 2, 3].map((i) => ({ partitionErrorCode: 0, partitionId: i, leader: i === 2 ? -1 : 1, replicas: [1], isr: [1] }))
  const p = Partitioners.DefaultPartitioner()
  const picks = Array.from({ length: 30 }, () => p({ topic: 't', partitionMetadata, message: { value: 'v' } }))
  assert.ok(!picks.includes(2), 'no partition without a leader')
  for (const x of [0, 1, 3]) assert.equal(picks.filter((y) => y === x).length, 10)
})
