// The runtime's collector bounds what it hands the producer and nobody has acknowledged (Kafka's
// send() blocks on a full buffer; sendBatch() does not), and the run loop's wait for a batch
// leaves no timer behind that would keep the batch reachable.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Producer, ProducerRecord, RecordMetadata } from '../../src/client/index.ts'
import { ProducerCollector } from '../../src/streams/runtime/record-collector.ts'
import { nextOrTick } from '../../src/streams/runtime/next-or-tick.ts'

test('the collector is backlogged past its bound until the oldest sends are acknowledged', async () => {
  const acks: ((m: RecordMetadata[]) => void)[] = []
  const fake = {
    sendBatch: (records: ProducerRecord[]) => new Promise<RecordMetadata[]>((res) => acks.push(() => res(records.map((r) => ({ topic: r.topic, partition: 0, offset: 0, timestamp: 0 }))))),
    cluster: { cachedTopic: () => undefined },
  } as unknown as Producer
  const c = new ProducerCollector(fake, () => false, 'fail', () => {}, undefined, 1000)
  const value = 'v'.repeat(200)
  for (let batch = 0; batch < 3; batch++) {
    for (let i = 0; i < 2; i++) c.send('out', 'k', value, 0, [], undefined)
    c.flush()
  }
  assert.equal(acks.length, 3)
  assert.equal(c.backlogged, true, '3 x 2 records of ~265 B are past 1000 B')
  let waited = false
  const w = c.backlog().then(() => { waited = true })
  await new Promise((r) => setImmediate(r))
  assert.equal(waited, false)
  acks[0]!([])
  await new Promise((r) => setImmediate(r))
  assert.equal(waited, false, 'two batches (~1060 B) still unacknowledged')
  acks[1]!([])
  await w
  assert.equal(c.backlogged, false)
  acks[2]!([])
})

test('nextOrTick: a batch that wins is not kept reachable by the tick timer; a tick comes when no batch does', async () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  let ref: WeakRef<object> | null = null
  await (async () => {
    const batch = { records: new Array(1000).fill('x') }
    ref = new WeakRef(batch)
    assert.equal(await nextOrTick(Promise.resolve(batch), 60_000), batch)
  })()
  await new Promise((r) => setImmediate(r))
  gc()
  assert.equal(ref!.deref(), undefined, 'the batch is collectable once processed')
  const keepAlive = setTimeout(() => {}, 10_000) // the tick timer is unref'd
  assert.equal(await nextOrTick(new Promise(() => {}), 5), 'tick')
  clearTimeout(keepAlive)
})
