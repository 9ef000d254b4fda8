// kcat (librdkafka 2.0.2) against a real `samsa start` process: produce and consume keys, values
// and headers with every compression codec, consume from beginning / end / absolute and relative
// offsets, and look offsets up by timestamp with -Q. Topics are auto-created by the producer's
// Metadata request.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startSamsa } from '../helpers/samsa.ts'
import type { SamsaBroker } from '../helpers/samsa.ts'
import { runKcat } from '../helpers/run.ts'

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

describe('kcat produce/consume', () => {
  let broker: SamsaBroker
  before(async () => {
    broker = await startSamsa()
  })
  after(async () => {
    await broker?.close()
  })

  const consume = async (topic: string, args: string[] = ['-o', 'beginning']) =>
    (await runKcat(broker.bootstrap, ['-C', '-t', topic, '-p', '0', '-e', '-q', ...args, '-f', '%o|%k|%s|%h\\n'])).stdout.split('\n').filter(Boolean)

  for (const codec of CODECS) {
    it(`keys, values and headers survive ${codec} compression`, async () => {
      const topic = `kcat-${codec}`
      const lines = Array.from({ length: 50 }, (_, i) => `key${i}:value-${codec}-${i}-${'x'.repeat(i * 7)}`)
      await runKcat(broker.bootstrap, ['-P', '-t', topic, '-p', '0', '-K:', '-z', codec, '-H', 'h1=v1', '-H', `codec=${codec}`],
        { input: lines.join('\n') + '\n' })
      const got = await consume(topic)
      assert.equal(got.length, 50)
      for (let i = 0; i < 50; i++) {
        assert.equal(got[i], `${i}|key${i}|value-${codec}-${i}-${'x'.repeat(i * 7)}|h1=v1,codec=${codec}`)
      }
    })
  }

  it('consumes from the end, an absolute offset and a relative offset', async () => {
    const topic = 'kcat-offsets'
    await runKcat(broker.bootstrap, ['-P', '-t', topic, '-p', '0', '-K:'], { input: Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n' })
    assert.deepEqual(await consume(topic, ['-o', 'end']), [])
    assert.deepEqual((await consume(topic, ['-o', '7'])).map((l) => l.split('|')[2]), ['v7', 'v8', 'v9'])
    assert.deepEqual((await consume(topic, ['-o', '-2'])).map((l) => l.split('|')[2]), ['v8', 'v9'])
    assert.deepEqual((await consume(topic, ['-o', 'beginning', '-c', '3'])).map((l) => l.split('|')[0]), ['0', '1', '2'])
  })

  it('looks offsets up by timestamp (-Q)', async () => {
    const topic = 'kcat-time'
    const t0 = Date.now() - 3_600_000
    // kcat -P stamps messages with the current time: one run per message, then read the stored times.
    for (let i = 0; i < 3; i++) {
      await runKcat(broker.bootstrap, ['-P', '-t', topic, '-p', '0'], { input: `m${i}\n` })
      await new Promise((r) => setTimeout(r, 20))
    }
    const times = (await runKcat(broker.bootstrap, ['-C', '-t', topic, '-p', '0', '-e', '-q', '-o', 'beginning', '-f', '%T\\n'])).stdout
      .split('\n').filter(Boolean).map(Number)
    assert.equal(times.length, 3)
    const q = async (ts: number) => (await runKcat(broker.bootstrap, ['-Q', '-t', `${topic}:0:${ts}`])).stdout.trim()
    assert.equal(await q(t0), `${topic} [0] offset 0`)
    assert.equal(await q(times[1]!), `${topic} [0] offset 1`)
    assert.equal(await q(times[2]! + 1), `${topic} [0] offset -1`)
  })
})
