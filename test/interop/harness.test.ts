// Proves the interop harness against librdkafka's mock cluster (not Samsa): every runner
// really drives its client, timeouts fire, and a missing tool is an error, not a skip.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { existsSync } from 'node:fs'
import { startMockCluster } from '../helpers/mock-cluster.ts'
import type { MockCluster } from '../helpers/mock-cluster.ts'
import { check, runKcat, runProcess, runPython, RunError } from '../helpers/run.ts'
import { runKafkaJs, KafkaJsTimeout } from '../helpers/kafkajs.ts'
import { MissingToolError, requirePythonModule, requireTool } from '../helpers/tools.ts'
import { ServerProcess, ServerStartError } from '../helpers/server-process.ts'
import { SAMSA_READY, samsaArgs } from '../helpers/samsa.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { SAMSA_CLI } from '../helpers/cli-entry.ts'

describe('tools', () => {
  it('finds the installed clients', () => {
    assert.ok(existsSync(requireTool('kcat')))
    assert.equal(requireTool('python3'), '/usr/bin/python3')
    requirePythonModule('confluent_kafka')
    requirePythonModule('kafka')
  })

  it('fails with an install hint when a tool is missing', () => {
    assert.throws(() => requireTool('samsa-no-such-tool'), (e: unknown) => e instanceof MissingToolError && /samsa-no-such-tool/.test(e.message))
    assert.throws(() => requirePythonModule('samsa_no_such_module'), MissingToolError)
  })
})

describe('runProcess', () => {
  it('pipes input and captures output and exit code', async () => {
    const r = await runProcess('/bin/sh', ['-c', 'cat; echo oops >&2; exit 3'], { input: 'hello' })
    assert.deepEqual([r.code, r.stdout, r.stderr, r.timedOut], [3, 'hello', 'oops\n', false])
    assert.throws(() => check('sh', r), (e: unknown) => e instanceof RunError && /exited with 3/.test(e.message) && /oops/.test(e.message))
  })

  it('kills a process that outlives its timeout', async () => {
    const r = await runProcess('/bin/sleep', ['10'], { timeoutMs: 200 })
    assert.equal(r.timedOut, true)
    assert.equal(r.signal, 'SIGKILL')
    assert.throws(() => check('sleep', r), /timed out/)
  })
})

describe('clients against the librdkafka mock cluster', () => {
  let cluster: MockCluster
  before(async () => {
    cluster = await startMockCluster()
  })
  after(() => cluster.close())

  it('kcat produces and consumes keys, values and headers', async () => {
    const topic = 'harness-kcat'
    await runKcat(cluster.bootstrap, ['-P', '-t', topic, '-p', '0', '-K:', '-H', 'h1=v1'], { input: 'k1:v1\nk2:v2\n' })
    const r = await runKcat(cluster.bootstrap, ['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%k=%s %h\\n'])
    assert.deepEqual(r.stdout.trim().split('\n'), ['k1=v1 h1=v1', 'k2=v2 h1=v1'])
  })

  it('confluent_kafka produces and consumes', async () => {
    const script = `
import sys
from confluent_kafka import Producer, Consumer, TopicPartition
b = sys.argv[1]
p = Producer({'bootstrap.servers': b})
for i in range(3):
    p.produce('harness-ck', key=b'k%d' % i, value=b'v%d' % i, partition=0)
p.flush(10)
c = Consumer({'bootstrap.servers': b, 'group.id': 'g'})
c.assign([TopicPartition('harness-ck', 0, 0)])
got = []
while len(got) < 3:
    m = c.poll(10)
    if m is None: break
    if m.error() is None: got.append(m.value().decode())
c.close()
print(','.join(got))
`
    const r = await runPython(script, [cluster.bootstrap], { modules: ['confluent_kafka'] })
    assert.equal(r.stdout.trim(), 'v0,v1,v2')
  })

  it('kafka-python produces and consumes', async () => {
    const script = `
import sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
b = sys.argv[1]
p = KafkaProducer(bootstrap_servers=b)
for i in range(3):
    p.send('harness-kp', value=b'v%d' % i, partition=0)
p.flush(); p.close()
c = KafkaConsumer(bootstrap_servers=b, consumer_timeout_ms=3000)
tp = TopicPartition('harness-kp', 0)
c.assign([tp]); c.seek_to_beginning(tp)
print(','.join(m.value.decode() for m in c))
c.close()
`
    const r = await runPython(script, [cluster.bootstrap], { modules: ['kafka'] })
    assert.equal(r.stdout.trim(), 'v0,v1,v2')
  })

  it('KafkaJS produces and consumes', async () => {
    const { value } = await runKafkaJs([cluster.bootstrap], async (kafka) => {
      const producer = kafka.producer({ allowAutoTopicCreation: true })
      await producer.connect()
      await producer.send({ topic: 'harness-kjs', messages: [{ key: 'a', value: 'x', partition: 0 }] }).finally(() => producer.disconnect())
      const consumer = kafka.consumer({ groupId: 'harness-kjs' })
      await consumer.connect()
      try {
        await consumer.subscribe({ topic: 'harness-kjs', fromBeginning: true })
        return await new Promise<string>((resolve, reject) => {
          consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }).catch(reject)
        })
      } finally {
        await consumer.disconnect()
      }
    })
    assert.equal(value, 'x')
  })

  it('KafkaJS runs are bounded by a timeout that reports the logs', async () => {
    await assert.rejects(
      runKafkaJs([cluster.bootstrap], () => new Promise(() => {}), { timeoutMs: 100 }),
      (e: unknown) => e instanceof KafkaJsTimeout && Array.isArray(e.logs),
    )
  })
})

// A stand-in for `samsa start`: listens, prints the ready line, exits 0 on SIGTERM.
const FAKE_SERVER = `
const net = require('node:net')
const port = Number(process.argv[1] ?? 0)
const s = net.createServer((c) => c.end('hi')).listen(port, '127.0.0.1', () => {
  console.log('{"level":30,"msg":"listening on PLAINTEXT://127.0.0.1:' + s.address().port + '"}')
})
process.on('SIGTERM', () => s.close(() => process.exit(0)))
`

describe('ServerProcess', () => {
  it('starts, reports its port, restarts on the same port after SIGKILL, stops cleanly', async () => {
    const server = new ServerProcess({ command: process.execPath, args: ['-e', FAKE_SERVER, '0'], ready: SAMSA_READY })
    await server.start()
    try {
      assert.equal(server.host, '127.0.0.1')
      assert.ok(server.port > 0)
      const greet = () =>
        new Promise<string>((resolve, reject) => {
          let got = ''
          connect(server.port, server.host)
            .on('data', (d) => (got += d))
            .on('end', () => resolve(got))
            .on('error', reject)
        })
      assert.equal(await greet(), 'hi')
      const port = server.port
      assert.deepEqual(await server.kill(), { code: null, signal: 'SIGKILL' })
      assert.equal(server.running, false)
      await server.start(['-e', FAKE_SERVER, String(port)])
      assert.equal(server.port, port)
      assert.equal(await greet(), 'hi')
      assert.deepEqual(await server.stop(), { code: 0, signal: null })
      assert.match(server.output, /listening on/)
    } finally {
      await server.stop()
    }
  })

  it('reports a server that exits before it is ready, with its output', async () => {
    const server = new ServerProcess({ command: process.execPath, args: ['-e', 'console.error("bad config: foo"); process.exit(2)'], ready: SAMSA_READY })
    await assert.rejects(server.start(), (e: unknown) => e instanceof ServerStartError && /exited \(2\)/.test(e.message) && /bad config: foo/.test(e.message))
  })

  it('gives up on a server that never becomes ready', async () => {
    const server = new ServerProcess({ command: '/bin/sleep', args: ['10'], ready: SAMSA_READY, readyTimeoutMs: 200 })
    await assert.rejects(server.start(), /not ready within 200 ms/)
    assert.equal((await server.stop()).signal, 'SIGKILL')
  })
})

describe('samsa broker helper', () => {
  it('builds the start command and reads the ready line', () => {
    assert.deepEqual(samsaArgs('/d', 9, { 'num.partitions': '3' }).slice(SAMSA_CLI.length), [
      'start', '--data-dir', '/d', '--set', 'listeners=PLAINTEXT://127.0.0.1:9', '--set', 'admin.listeners=', '--set', 'schema.registry.listeners=',
      '--set', 'num.partitions=3',
    ])
    // A test that wants the registry says so.
    assert.ok(samsaArgs('/d', 9, { 'schema.registry.listeners': 'http://127.0.0.1:1' }).includes('schema.registry.listeners=http://127.0.0.1:1'))
    for (const [line, host, port] of [
      ['listening on 127.0.0.1:9092', '127.0.0.1', '9092'],
      ['{"msg":"listening on PLAINTEXT://localhost:40001"}', 'localhost', '40001'],
      ['listening on [::1]:7', '::1', '7'],
    ]) {
      const m = SAMSA_READY.exec(line)
      assert.deepEqual([m?.[1], m?.[2]], [host, port], line)
    }
  })

  it('temp dirs are removed', () => {
    const dir = makeTempDir()
    assert.ok(existsSync(dir))
    removeTempDir(dir)
    assert.equal(existsSync(dir), false)
  })
})
