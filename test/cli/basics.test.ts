// The `samsa` command's basics as a user meets them: version, help, usage errors, and a failed
// start (port in use, data directory that is a file) that says why in one line and writes nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runProcess } from '../helpers/run.ts'
import { ServerProcess } from '../helpers/server-process.ts'
import { SAMSA_READY } from '../helpers/samsa.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { SAMSA_CLI } from '../helpers/cli-entry.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const samsa = (args: string[]) => runProcess(process.execPath, [...SAMSA_CLI, ...args], { cwd: REPO, timeoutMs: 120_000 })

test('--version, --help, and bare samsa (help on stderr, exit non-zero)', async () => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }
  const [v, help, bare, unknown] = await Promise.all([samsa(['--version']), samsa(['--help']), samsa([]), samsa(['strat'])])
  assert.equal(v.code, 0)
  assert.equal(v.stdout.trim(), version)
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Usage: samsa/m)
  assert.match(help.stdout, /^ {2}start\b.*run a broker/m)
  assert.match(help.stdout, /^ {2}configs\b/m)
  assert.notEqual(bare.code, 0)
  assert.equal(bare.stdout, '')
  assert.match(bare.stderr, /^Usage: samsa/m)
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /unknown command 'strat'[\s\S]*Did you mean start\?/)
})

test('a failed start says why in one line and leaves nothing behind: port in use, data dir that is a file', async () => {
  const parent = makeTempDir('samsa-cli-')
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as AddressInfo).port
  try {
    const fresh = join(parent, 'fresh')
    const existing = join(parent, 'existing')
    mkdirSync(existing)
    const file = join(parent, 'a-file')
    writeFileSync(file, 'not a directory')
    const listen = `listeners=PLAINTEXT://127.0.0.1:${port}`
    // Two at a time: each loads the whole broker.
    const [inUse, inUseExisting] = await Promise.all([
      samsa(['start', '--data-dir', fresh, '--set', listen]),
      samsa(['start', '--data-dir', existing, '--set', listen]),
    ])
    const [isFile, underFile] = await Promise.all([
      samsa(['start', '--data-dir', file, '--set', 'listeners=PLAINTEXT://127.0.0.1:0']),
      samsa(['start', '--data-dir', join(file, 'data'), '--set', 'listeners=PLAINTEXT://127.0.0.1:0']),
    ])
    for (const r of [inUse, inUseExisting]) {
      assert.equal(r.code, 1)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, `samsa start: cannot start: cannot listen on 127.0.0.1:${port} (listener PLAINTEXT): port ${port} is already in use ` +
        '(another broker or program listens there)\n')
    }
    assert.equal(existsSync(fresh), false, 'no data directory is created')
    assert.deepEqual(readdirSync(existing), [], 'no cluster id, no lock file')
    assert.equal(isFile.code, 1)
    assert.equal(isFile.stderr, `samsa start: cannot start: data directory ${file} exists but is not a directory\n`)
    assert.equal(underFile.code, 1)
    assert.equal(underFile.stderr, `samsa start: cannot start: data directory ${join(file, 'data')} cannot be created: part of its path is a file\n`)
    assert.equal(readFileSync(file, 'utf8'), 'not a directory')
  } finally {
    blocker.close()
    removeTempDir(parent)
  }
})

test('--port N moves the PLAINTEXT listener (of the default, or of the config file)', async () => {
  const parent = makeTempDir('samsa-cli-')
  try {
    const file = join(parent, 'server.properties')
    writeFileSync(file, 'listeners=PLAINTEXT://127.0.0.1:9092\n')
    const server = new ServerProcess({
      command: process.execPath,
      args: [...SAMSA_CLI, 'start', '--data-dir', join(parent, 'data'), '--config', file, '--port', '0'],
      cwd: REPO,
      ready: SAMSA_READY,
      readyTimeoutMs: 90_000, // a shared, loaded machine: a start can take a minute
    })
    await server.start()
    assert.match(server.output, /^listening on PLAINTEXT:\/\/127\.0\.0\.1:\d+$/m)
    assert.notEqual(server.port, 9092)
    assert.deepEqual(await server.stop(), { code: 0, signal: null })
    const bad = await samsa(['start', '--port', '70000'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--port <port>' argument '70000' is invalid/)
  } finally {
    removeTempDir(parent)
  }
})
