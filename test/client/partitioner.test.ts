// Keyed records must land where the Java client (and librdkafka's murmur2_random) puts them.
// Expected partitions for 10,000 keys come from two independent sources: MurmurHash2 written out
// again here in BigInt arithmetic from its published definition, and librdkafka itself producing
// the same keys to a Samsa broker.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { startBroker } from '../../src/broker/index.ts'
import { keyPartition, murmur2 } from '../../src/client/index.ts'
import { DefaultPartitioner } from '../../src/client/producer/partitioner.ts'
import { stringKeyPartition } from '../../src/client/producer/murmur2.ts'
import { requirePythonModule, requireTool } from '../helpers/tools.ts'

/** MurmurHash2 (32-bit, seed 0x9747b28c as Kafka uses it), step by step on 32-bit words. */
function referenceMurmur2(data: Uint8Array): number {
  const m = 0x5bd1e995n
  const mask = 0xffffffffn
  const mul = (a: bigint, b: bigint) => (a * b) & mask
  let h = (0x9747b28cn ^ BigInt(data.length)) & mask
  const n4 = Math.floor(data.length / 4)
  for (let i = 0; i < n4; i++) {
    let k = BigInt(data[4 * i]!) | (BigInt(data[4 * i + 1]!) << 8n) | (BigInt(data[4 * i + 2]!) << 16n) | (BigInt(data[4 * i + 3]!) << 24n)
    k = mul(k, m)
    k ^= k >> 24n
    k = mul(k, m)
    h = mul(h, m) ^ k
  }
  const tail = data.length % 4
  const at = n4 * 4
  if (tail >= 3) h ^= BigInt(data[at + 2]!) << 16n
  if (tail >= 2) h ^= BigInt(data[at + 1]!) << 8n
  if (tail >= 1) h = mul(h ^ BigInt(data[at]!), m)
  h ^= h >> 13n
  h = mul(h, m)
  h ^= h >> 15n
  return Number(BigInt.asIntN(32, h))
}

/** 10,000 deterministic keys: text keys, then pseudo-random bytes of every length 1..40. */
function keys(): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < 5000; i++) out.push(Buffer.from(`key-${i}`))
  let seed = 12345
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.alloc(1 + (i % 40))
    for (let j = 0; j < b.length; j++) b[j] = next() & 0xff
    out.push(b)
  }
  return out
}

const KEYS = keys()
const PARTITIONS = 13

test('murmur2 matches the reference definition for 10,000 keys (and the empty key)', () => {
  assert.equal(murmur2(Buffer.alloc(0)), referenceMurmur2(Buffer.alloc(0)))
  for (const k of KEYS) assert.equal(murmur2(k), referenceMurmur2(k), `key ${k.toString('hex')}`)
  for (const k of KEYS) assert.equal(keyPartition(k, PARTITIONS), (referenceMurmur2(k) & 0x7fffffff) % PARTITIONS)
})

test('keyed partitions match librdkafka murmur2_random for 10,000 keys', { timeout: 60_000 }, async () => {
  const python = requireTool('python3')
  requirePythonModule('confluent_kafka')
  const broker = await startBroker({ config: { 'num.partitions': PARTITIONS, 'offsets.topic.num.partitions': 1 } })
  try {
    const child = spawn(python, [new URL('./rdkafka-partitions.py', import.meta.url).pathname, broker.bootstrap, 'vectors'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.stdin.end(KEYS.map((k) => k.toString('hex')).join('\n'))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    assert.equal(code, 0, err)
    const theirs = out.trim().split('\n').map(Number)
    assert.equal(theirs.length, KEYS.length)
    let mismatches = 0
    for (let i = 0; i < KEYS.length; i++) if (keyPartition(KEYS[i]!, PARTITIONS) !== theirs[i]) mismatches++
    assert.equal(mismatches, 0)
  } finally {
    await broker.close()
  }
})

test('sticky partitioning: keyless records stay on one partition until its batch closes', () => {
  const p = new DefaultPartitioner()
  const first = p.partition('t', null, 6)
  for (let i = 0; i < 100; i++) assert.equal(p.partition('t', null, 6), first)
  p.batchClosed('t', first, 6)
  const second = p.partition('t', null, 6)
  assert.notEqual(second, first)
  assert.equal(p.partition('t', Buffer.from('k'), 6), keyPartition(Buffer.from('k'), 6))
})

test('a string key lands where its UTF-8 bytes do (scratch-buffer hashing, long and multi-byte keys too)', () => {
  const strings = ['', 'k', 'key-1', 'é', '日本語のキー', '\u{1F600}x', 'a'.repeat(341), 'a'.repeat(342), 'ü'.repeat(600), 'x'.repeat(5000)]
  for (let i = 0; i < 2000; i++) strings.push(`key-${i}-${String.fromCharCode(i * 37 % 0xd000)}`)
  // ASCII keys are hashed from their characters: every tail length, and one non-ASCII unit anywhere.
  for (let len = 1; len <= 70; len++) {
    const ascii = Array.from({ length: len }, (_, i) => String.fromCharCode(33 + ((i * 11) % 94))).join('')
    strings.push(ascii)
    for (const at of [0, len >> 1, len - 1]) for (const c of ['\u0080', '\u00ff', 'é', '\u0100', '\ud83d']) strings.push(ascii.slice(0, at) + c + ascii.slice(at + 1))
  }
  for (const k of strings) assert.equal(stringKeyPartition(k, 1), 0)
  for (const k of strings) assert.equal(stringKeyPartition(k, PARTITIONS), keyPartition(Buffer.from(k, 'utf8'), PARTITIONS), JSON.stringify(k.slice(0, 20)))
})
