// The capture tool: frame splitting, batch finding and the recording proxy in front of the
// librdkafka mock cluster (port rewriting keeps the client on the proxy after bootstrap).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { FrameSplitter, peekRequestHeader } from '../../../tools/capture/frames.ts'
import { findRecordBatches } from '../../../tools/capture/batches.ts'
import { startRecordingProxy } from '../../../tools/capture/proxy.ts'
import { Translator } from '../../../tools/capture/translate.ts'
import { startMockCluster } from '../../helpers/mock-cluster.ts'
import type { MockCluster } from '../../helpers/mock-cluster.ts'
import { runKcat } from '../../helpers/run.ts'

const sized = (payload: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, payload.length]), payload])

describe('FrameSplitter', () => {
  it('yields frames split across and joined within chunks', () => {
    const s = new FrameSplitter()
    const wire = Buffer.concat([sized(Buffer.from('abc')), sized(Buffer.from('')), sized(Buffer.from('defgh'))])
    const out = [...s.push(wire.subarray(0, 5)), ...s.push(wire.subarray(5, 12)), ...s.push(wire.subarray(12))]
    assert.deepEqual(out.map(String), ['abc', '', 'defgh'])
  })

  it('rejects a negative size', () => {
    assert.throws(() => new FrameSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xff])), /negative frame size/)
  })
})

describe('findRecordBatches', () => {
  const batch = readFileSync(new URL('../../golden/batches/kcat-gzip.bin', import.meta.url))

  it('finds a batch inside surrounding bytes by its CRC', () => {
    const frame = Buffer.concat([Buffer.from('prefix-bytes'), batch, Buffer.from([0, 0])])
    const found = findRecordBatches(frame)
    assert.equal(found?.start, 12)
    assert.deepEqual(found?.codecs, [1])
    assert.ok(found?.bytes.equals(batch))
  })

  it('ignores a batch whose CRC does not match', () => {
    const bad = Buffer.from(batch)
    bad[bad.length - 1] ^= 1
    assert.equal(findRecordBatches(bad), undefined)
  })
})

describe('recording proxy', () => {
  let cluster: MockCluster
  before(async () => {
    cluster = await startMockCluster()
  })
  after(() => cluster.close())

  it('records paired requests and responses and keeps clients on the proxy', async () => {
    const proxy = await startRecordingProxy(cluster.brokers[0])
    try {
      const r = await runKcat(proxy.address, ['-L'])
      // The broker list names the proxy, so every later connection went through it too.
      assert.match(r.stdout, new RegExp(`broker 1 at ${proxy.address.replace(/\./g, '\\.')}`))
    } finally {
      await proxy.close()
    }
    const requests = proxy.frames.filter((f) => f.direction === 'request')
    const metadata = requests.find((f) => f.apiKey === 3)
    assert.ok(metadata, 'a Metadata request was recorded')
    assert.equal(peekRequestHeader(metadata.bytes).clientId, 'rdkafka')
    const response = proxy.frames.find((f) => f.direction === 'response' && f.correlationId === metadata.correlationId && f.connection === metadata.connection)
    assert.equal(response?.apiKey, 3)
    assert.equal(response?.apiVersion, metadata.apiVersion)
  })

  it('translates newer client versions for the older mock', async () => {
    const proxy = await startRecordingProxy(cluster.brokers[0], new Translator())
    try {
      const r = await runKcat(proxy.address, ['-L'])
      assert.match(r.stdout, /broker 1 at/)
    } finally {
      await proxy.close()
    }
    // The mock serves Metadata <= 2; advertised Kafka's maximum, librdkafka 2.0.2 sends its own max, 4.
    const metadata = proxy.frames.filter((f) => f.apiKey === 3)
    assert.ok(metadata.some((f) => f.direction === 'request' && f.apiVersion === 4))
    assert.ok(metadata.filter((f) => f.direction === 'response').every((f) => f.translated === true && f.apiVersion === 4))
    // ApiVersions v3 succeeds (the mock alone answers it with a malformed error).
    const av = proxy.frames.find((f) => f.direction === 'response' && f.apiKey === 18)
    assert.deepEqual([av?.apiVersion, av?.bytes.readInt16BE(4)], [3, 0])
  })
})
