// `samsa dev cluster` as the README gives it, a real process: etcd and the brokers start, a client
// sees the cluster, and a signal to the command alone (not to its process group, as a closed
// terminal's SIGHUP or a test harness's SIGTERM is) stops every process it started, also while
// the brokers are still starting.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { SAMSA_CLI } from '../helpers/cli-entry.ts'
import { runKcat } from '../helpers/run.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { freePort } from '../../src/cli/dev/free-port.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

const canBind = (port: number): Promise<boolean> => new Promise((resolve) => {
  const s = createServer()
  s.once('error', () => resolve(false))
  s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
})

/** A first port with the next one free too (the dev cluster's brokers take consecutive ports). */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const p = await freePort()
    if (p < 65000 && await canBind(p + 1)) return p
  }
}

interface Dev { child: ChildProcess, out: () => string, exited: Promise<number | null> }

function devCluster(dir: string, port: number): Dev {
  const child = spawn(process.execPath, [...SAMSA_CLI, 'dev', 'cluster', '--brokers', '2', '--dir', dir, '--port', String(port),
    '--set', 'admin.listeners=', '--log-level', 'warn'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr!.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, out: () => out, exited }
}

async function waitFor(dev: Dev, pattern: RegExp, what: string): Promise<void> {
  while (!pattern.test(dev.out())) {
    if (dev.child.exitCode !== null) throw new Error(`dev cluster exited before ${what}:\n${dev.out()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The command's child processes (etcd, brokers), from /proc. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    // A zombie (exited, not yet reaped by init) is not running.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

async function stoppedEverything(kids: number[]): Promise<void> {
  const deadline = Date.now() + 15_000
  while (kids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  assert.deepEqual(kids.filter(alive), [], 'no process of the dev cluster is left')
}

test('samsa dev cluster: clients see every broker; SIGHUP to the command alone stops etcd and every broker', { timeout: 150_000 }, async () => {
  const dir = makeTempDir('samsa-devcluster-')
  const port = await twoFreePorts()
  const dev = devCluster(dir, port)
  let kids: number[] = []
  try {
    await waitFor(dev, /Ctrl-C stops everything\./, 'it was ready')
    assert.match(dev.out(), new RegExp(`bootstrap\\s+127\\.0\\.0\\.1:${port},127\\.0\\.0\\.1:${port + 1}`))
    const md = await runKcat(`127.0.0.1:${port}`, ['-L'], { timeoutMs: 30_000 })
    assert.match(md.stdout, /2 brokers:/)
    assert.match(md.stdout, new RegExp(`broker 2 at 127\\.0\\.0\\.1:${port + 1}`))
    kids = childrenOf(dev.child.pid!)
    assert.equal(kids.length, 3, `etcd and two brokers: ${kids.join(' ')}`)
    dev.child.kill('SIGHUP')
    assert.equal(await dev.exited, 0, dev.out())
    assert.match(dev.out(), /stopping \(SIGHUP\)\.\.\.\nstopped\n/)
    await stoppedEverything(kids)
  } finally {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL')
    for (const k of kids) if (alive(k)) process.kill(k, 'SIGKILL')
    removeTempDir(dir)
  }
})

test('samsa dev cluster: SIGTERM while the brokers are still starting stops etcd and them', { timeout: 90_000 }, async () => {
  const dir = makeTempDir('samsa-devcluster-')
  const dev = devCluster(dir, await twoFreePorts())
  let kids: number[] = []
  try {
    await waitFor(dev, /^etcd\s+127\.0\.0\.1:\d+/m, 'etcd was up')
    // etcd and both broker processes spawned (they print nothing before they are ready).
    while ((kids = childrenOf(dev.child.pid!)).length < 3 && dev.child.exitCode === null) await new Promise((r) => setTimeout(r, 20))
    assert.doesNotMatch(dev.out(), /Ctrl-C stops everything/, 'stopped before the brokers were ready')
    dev.child.kill('SIGTERM')
    assert.equal(await dev.exited, 0, dev.out())
    await stoppedEverything(kids)
  } finally {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL')
    for (const k of kids) if (alive(k)) process.kill(k, 'SIGKILL')
    removeTempDir(dir)
  }
})
