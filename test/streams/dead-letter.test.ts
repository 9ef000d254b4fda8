// Error handlers and the dead-letter topic (KIP-1033, KIP-1034): records that fail to deserialize,
// to go through the processors, or to be produced go to `deadLetterQueueTopicName` with their
// source key, value, timestamp and headers plus Kafka's `__streams.errors.*` headers, whether the
// handler continues or fails; on a broker, the runtime sends it before stopping in ERROR.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Producer } from '../../src/client/index.ts'
import type { ProducerRecord } from '../../src/client/index.ts'
import { KafkaStreams, ProcessingError, Serdes, StreamsBuilder, TopologyTestDriver } from '../../src/streams/index.ts'
import type { TestDriverConfig } from '../../src/streams/index.ts'
import { ProducerCollector } from '../../src/streams/runtime/record-collector.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { readUntil, streamsBroker } from './helpers.ts'

const S = Serdes.String()
const I = Serdes.Integer()

function driver(config: TestDriverConfig): TopologyTestDriver {
  const b = new StreamsBuilder()
  b.stream<string, number>('in', { keySerde: S, valueSerde: I })
    .mapValues((v) => {
      if (v < 0) throw new RangeError(`negative: ${v}`)
      return v * 2
    })
    .to('out', { keySerde: S, valueSerde: I })
  return new TopologyTestDriver(b.build(), config)
}

const headers = (r: { headers: { key: string; value: Buffer | null }[] }): Record<string, string> =>
  Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? '']))

test('a record that fails to deserialize goes to the dead-letter topic with the error headers, and processing continues', () => {
  const d = driver({ deserializationExceptionHandler: 'logAndContinue', deadLetterQueueTopicName: 'dlq' })
  const raw = d.createInputTopic('in', S, S)
  const ok = d.createInputTopic('in', S, I)
  ok.pipeInput('a', 1, 10)
  raw.pipeInput('b', 'xyz', 20, [{ key: 'trace-id', value: Buffer.from('t-1') }])   // 3 bytes: not an int32
  ok.pipeInput('c', 3, 30)
  assert.deepEqual(d.createOutputTopic('out', S, I).readKeyValuesToList(), [['a', 2], ['c', 6]])
  const dlq = d.createOutputTopic('dlq', S, S).readRecordsToList()
  assert.equal(dlq.length, 1)
  assert.equal(dlq[0]!.key, 'b')
  assert.equal(dlq[0]!.value, 'xyz')
  assert.equal(dlq[0]!.timestamp, 20)
  const h = headers(dlq[0]!)
  assert.equal(h['trace-id'], 't-1', 'the source record headers are kept')
  assert.equal(h['__streams.errors.topic'], 'in')
  assert.equal(h['__streams.errors.partition'], '0')
  assert.equal(h['__streams.errors.offset'], '1')
  assert.equal(h['__streams.errors.exception'], 'Error')
  assert.ok(h['__streams.errors.message']!.length > 0)
  assert.ok(h['__streams.errors.stacktrace']!.includes('at '))
  assert.equal(d.skipped, 1)
  d.close()
})

test('a processing error: logAndContinue skips the record, logAndFail throws; both send it to the dead-letter topic', () => {
  const d = driver({ processingExceptionHandler: 'logAndContinue', deadLetterQueueTopicName: 'dlq' })
  const i = d.createInputTopic('in', S, I)
  i.pipeInput('a', 1, 1)
  i.pipeInput('b', -5, 2)
  i.pipeInput('c', 2, 3)
  assert.deepEqual(d.createOutputTopic('out', S, I).readKeyValuesToList(), [['a', 2], ['c', 4]])
  const dlq = d.createOutputTopic('dlq', S, I).readRecordsToList()
  assert.deepEqual(dlq.map((r) => [r.key, r.value]), [['b', -5]])
  assert.equal(headers(dlq[0]!)['__streams.errors.exception'], 'RangeError')
  assert.equal(headers(dlq[0]!)['__streams.errors.message'], 'negative: -5')
  d.close()

  const f = driver({ deadLetterQueueTopicName: 'dlq' })
  const fi = f.createInputTopic('in', S, I)
  assert.throws(() => fi.pipeInput('x', -1, 5), ProcessingError)
  assert.deepEqual(f.createOutputTopic('dlq', S, I).readKeyValuesToList(), [['x', -1]])
  f.close()

  // Without a dead-letter topic nothing extra is written.
  const n = driver({ processingExceptionHandler: 'logAndContinue' })
  n.createInputTopic('in', S, I).pipeInput('y', -1, 5)
  assert.deepEqual(n.createOutputTopic('dlq', S, I).readKeyValuesToList(), [])
  n.close()
})

test('a failed send: the source records of the failed batch go to the dead-letter topic (each once)', async () => {
  const sent: ProducerRecord[][] = []
  const fake = {
    sendBatch: (records: ProducerRecord[]) => {
      sent.push(records)
      return records.some((r) => r.topic === 'bad') ? Promise.reject(new Error('RECORD_TOO_LARGE')) : Promise.resolve([])
    },
    cluster: { cachedTopic: () => undefined },
  } as unknown as Producer
  const logs: string[] = []
  const c = new ProducerCollector(fake, () => false, 'continue', (m) => logs.push(m), 'dlq')
  const src = { topic: 'in', partition: 2, offset: 41, timestamp: 7, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }
  c.send('bad', Buffer.from('o1'), null, 7, [], undefined, src)
  c.send('bad', Buffer.from('o2'), null, 7, [], undefined, src)  // the same source: one dead letter
  c.flush()
  await new Promise((r) => setImmediate(r))
  assert.equal(c.dropped, 1)
  assert.equal(sent.length, 2)
  const dl = sent[1]!
  assert.equal(dl.length, 1)
  assert.equal(dl[0]!.topic, 'dlq')
  assert.equal(dl[0]!.key?.toString(), 'k')
  const h = Object.fromEntries((dl[0]!.headers as { key: string; value: Buffer | null }[]).map((x) => [x.key, x.value?.toString()]))
  assert.equal(h['__streams.errors.partition'], '2')
  assert.equal(h['__streams.errors.offset'], '41')
  assert.equal(h['__streams.errors.message'], 'RECORD_TOO_LARGE')
  assert.doesNotThrow(() => c.check())
  assert.ok(logs.some((m) => m.includes('RECORD_TOO_LARGE')))
})

test('on a broker: a record failing deserialization under logAndFail reaches the dead-letter topic, and the instance stops in ERROR', { timeout: 20_000 }, async () => {
  const broker = await streamsBroker()
  const dir = makeTempDir('samsa-streams-dlq-')
  let app: KafkaStreams | undefined
  try {
    const admin = new Admin({ bootstrapServers: broker.bootstrap })
    await admin.createTopics([{ topic: 'dl-in', numPartitions: 1 }, { topic: 'dl-out', numPartitions: 1 }, { topic: 'dl-dlq', numPartitions: 1 }])
    await admin.close()
    const b = new StreamsBuilder()
    b.stream<string, number>('dl-in', { keySerde: S, valueSerde: I }).mapValues((v) => v + 1).to('dl-out', { keySerde: S, valueSerde: I })
    app = new KafkaStreams(b.build(), { applicationId: 'dl', bootstrapServers: broker.bootstrap, stateDir: dir, commitIntervalMs: 50, deadLetterQueueTopicName: 'dl-dlq', log: () => {} })
    const errored = new Promise<void>((resolve) => app!.setStateListener((s) => { if (s === 'ERROR') resolve() }))
    await app.start()
    const p = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 0 })
    await p.sendBatch([{ topic: 'dl-in', key: 'good', value: I.serialize(1, 'dl-in'), timestamp: 1 }, { topic: 'dl-in', key: 'bad', value: 'no', timestamp: 2 }])
    await p.close()
    await errored
    const dlq = await readUntil(broker.bootstrap, 'dl-dlq', (m) => m.length >= 1)
    assert.equal(dlq[0]!.key?.toString(), 'bad')
    assert.equal(dlq[0]!.value?.toString(), 'no')
    const h = Object.fromEntries(dlq[0]!.headers.map((x) => [x.key, x.value?.toString()]))
    assert.equal(h['__streams.errors.topic'], 'dl-in')
    assert.equal(h['__streams.errors.offset'], '1')
  } finally {
    await app?.close().catch(() => {})
    await broker.close()
    removeTempDir(dir)
  }
})
