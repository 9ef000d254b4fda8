// The Samsa broker helper against the real `samsa start`: ready line, port, restarts (clean
// and SIGKILL) on the same port and data directory, clean-up, and a start that fails.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { startSamsa } from '../helpers/samsa.ts'
import { runKcat } from '../helpers/run.ts'
import { ServerStartError } from '../helpers/server-process.ts'

describe('startSamsa', () => {
  it('starts a broker kcat can reach, restarts it on the same port, removes its data dir', async () => {
    const broker = await startSamsa()
    try {
      assert.equal(broker.host, '127.0.0.1')
      assert.ok(broker.port > 0)
      const listing = await runKcat(broker.bootstrap, ['-L'], { timeoutMs: 15_000 })
      assert.match(listing.stdout, new RegExp(`broker \\d+ at ${broker.host}:${broker.port}`))
      const { port, pid } = broker
      await broker.restart({ crash: true })
      assert.equal(broker.port, port)
      assert.notEqual(broker.pid, pid)
      await broker.restart()
      assert.equal(broker.port, port)
      await runKcat(broker.bootstrap, ['-L'], { timeoutMs: 15_000 })
      assert.equal((broker.output().match(/listening on/g) ?? []).length, 3)
    } finally {
      await broker.close()
    }
    assert.equal(existsSync(broker.dataDir), false)
  })

  it('reports a broker that refuses to start, with its output', async () => {
    await assert.rejects(startSamsa({ settings: { 'num.partitions': 'many' } }), (e: unknown) => e instanceof ServerStartError && /num\.partitions/.test(e.message))
  })
})
