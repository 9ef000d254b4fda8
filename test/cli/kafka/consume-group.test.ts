// `samsa consume -g`: a group member stopped with Ctrl-C (SIGINT) exits 0 and has committed
// what it printed; the next member of the group starts there.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { Admin } from '../../../src/client/index.ts'
import { CLI, REPO, cliBroker, ok } from './helpers.ts'

test('consume in a group commits what it printed on Ctrl-C and exits 0', { timeout: 60_000 }, async () => {
  const broker = await cliBroker()
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    await admin.createTopics([{ topic: 'events', numPartitions: 1 }])
    await ok(['produce', 'events', '-b', broker.bootstrap], { input: 'e0\ne1\ne2\n' })
    const child = spawn(process.execPath, [...CLI, 'consume', 'events', '-g', 'watchers', '-b', broker.bootstrap], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000)
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out === 'e0\ne1\ne2\n') resolve()
    }))
    child.kill('SIGINT')
    const code = await exited
    clearTimeout(killer)
    assert.equal(code, 0, err)
    assert.equal(err, '')
    assert.deepEqual((await admin.groupOffsets('watchers')).map((o) => [o.topic, o.partition, o.offset]), [['events', 0, 3]])
    // A second member of the group (-n) starts after the commit, and commits too.
    await ok(['produce', 'events', '-b', broker.bootstrap], { input: 'e3\n' })
    assert.equal(await ok(['consume', 'events', '-g', 'watchers', '-n', '1', '-b', broker.bootstrap]), 'e3\n')
    assert.deepEqual((await admin.groupOffsets('watchers')).map((o) => o.offset), [4])
  } finally {
    await admin.close()
    await broker.close()
  }
})
