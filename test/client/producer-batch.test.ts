// The producer's per-record bookkeeping without a broker: a batch tells each caller its record's
// metadata (runs of one sendBatch(), promises derived from the batch's shared promise for send()),
// and a queued send() group settles each record's promise with its own result, in send order.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ProducerBatch } from '../../src/client/producer/batch.ts'
import type { RecordMetadata } from '../../src/client/producer/batch.ts'
import { GROUP_SIZE, SendGroup } from '../../src/client/producer/send-queue.ts'

const value = Buffer.from('v')

test('a batch mixing send() records and sendBatch() runs gives each record its own offset and tag', async () => {
  const b = new ProducerBatch('t', 3, 1000, 4096, undefined)
  const got: [number, number, string][] = []
  const one = (m: RecordMetadata, tag: number) => got.push([m.offset, tag, 'one'])
  const two = (m: RecordMetadata, tag: number) => got.push([m.offset, tag, 'two'])
  const never = () => assert.fail('no record failed')
  const derived: Promise<RecordMetadata>[] = []
  b.append(1000, null, value, undefined, null, null, 0)
  derived.push(b.derive())
  b.append(1001, null, value, undefined, one, never, 5)
  b.append(1002, null, value, undefined, one, never, 6)
  b.append(1003, null, value, undefined, null, null, 0)
  derived.push(b.derive())
  b.append(1004, null, value, undefined, two, never, 0)
  b.append(1005, null, value, undefined, one, never, 9) // same caller, tag not next: a run of its own
  b.append(1006, null, value, undefined, null, null, 0)
  derived.push(b.derive())
  b.append(1007, null, value, undefined, null, null, 0)
  derived.push(b.derive())
  b.complete(100, -1)
  assert.deepEqual(got, [[101, 5, 'one'], [102, 6, 'one'], [104, 0, 'two'], [105, 9, 'one']])
  const ms = await Promise.all(derived)
  assert.deepEqual(ms.map((m) => m.offset), [100, 103, 106, 107])
  assert.deepEqual(ms.map((m) => m.timestamp), [1000, 1003, 1006, 1007])
  assert.ok(ms.every((m) => m.topic === 't' && m.partition === 3))
})

test('each record reports its own timestamp whether or not it repeats the first one', async () => {
  const b = new ProducerBatch('t', 0, 1000, 4096, undefined)
  const derived: Promise<RecordMetadata>[] = []
  for (const ts of [1000, 1000, 1005, 1000, 999]) {
    b.append(ts, null, value, undefined, null, null, 0)
    derived.push(b.derive())
  }
  b.complete(0, -1)
  assert.deepEqual((await Promise.all(derived)).map((m) => m.timestamp), [1000, 1000, 1005, 1000, 999])
})

test('a failed batch rejects every derived promise and every record of its runs', async () => {
  const b = new ProducerBatch('t', 0, 1, 4096, undefined)
  const rejected: number[] = []
  b.append(1, null, value, undefined, null, null, 0)
  const p1 = b.derive()
  b.append(1, null, value, undefined, () => assert.fail('not resolved'), (_e, tag) => rejected.push(tag), 7)
  b.append(1, null, value, undefined, () => assert.fail('not resolved'), (_e, tag) => rejected.push(tag), 8)
  b.append(1, null, value, undefined, null, null, 0)
  const p2 = b.derive()
  const err = new Error('boom')
  b.fail(err)
  assert.deepEqual(rejected, [7, 8])
  await assert.rejects(p1, err)
  await assert.rejects(p2, err)
})

test('a send() group settles its records in send order, each with its own result or error, once closed', async () => {
  const g = new SendGroup<string>()
  const ps = ['a', 'b', 'c'].map((r) => g.add(r))
  const settled: string[] = []
  ps.forEach((p, i) => p.then(() => settled.push(`ok${i}`), () => settled.push(`err${i}`)))
  const meta = (offset: number): RecordMetadata => ({ topic: 't', partition: 0, offset, timestamp: 0 })
  // Completed out of order (two partitions), one failed.
  g.resolve(meta(20), 2)
  g.reject(new Error('c0'), 0)
  g.resolve(meta(10), 1)
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(settled, [], 'nothing settles while the group is open')
  g.close()
  await assert.rejects(ps[0]!, /c0/)
  assert.equal((await ps[1]!).offset, 10)
  assert.equal((await ps[2]!).offset, 20)
  assert.deepEqual(settled, ['err0', 'ok1', 'ok2'])
})

test('a send() group closes itself when full and settles when its last record does', async () => {
  const g = new SendGroup<number>()
  const ps: Promise<RecordMetadata>[] = []
  for (let i = 0; i < GROUP_SIZE; i++) ps.push(g.add(i))
  assert.equal(g.open, false)
  for (let i = GROUP_SIZE - 1; i >= 0; i--) g.resolve({ topic: 't', partition: 0, offset: i, timestamp: 0 }, i)
  assert.deepEqual((await Promise.all(ps)).map((m) => m.offset), ps.map((_, i) => i))
})
