// exactly_once_v2 across crashes: a streams application process is SIGKILLed mid-stream several
// times and restarted (same state directory, so the same transactional id fences its previous
// incarnation); read with read_committed, every key's counts are exactly 1, 2, ..., n: nothing
// counted twice, nothing lost.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Admin, Producer } from '../../src/client/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { readUntil, streamsBroker } from './helpers.ts'

const APP = fileURLToPath(new URL('./eos-app.mjs', import.meta.url))
const REPO = fileURLToPath(new URL('../../', import.meta.url))

/** The build is used when `npm test` built it, or when it is newer than every source file (never a stale one). */
function useBuild(): boolean {
  if (process.env['SAMSA_TEST_BUILT'] === '1') return true
  const built = join(REPO, 'dist/src/streams/index.js')
  if (!existsSync(built)) return false
  const t = statSync(built).mtimeMs
  return (readdirSync(join(REPO, 'src'), { recursive: true }) as string[]).every((f) => !f.endsWith('.ts') || statSync(join(REPO, 'src', f)).mtimeMs <= t)
}
// Four process starts: compiling the TypeScript at each costs seconds of CPU on a loaded machine.
const BUILT = useBuild()
const NODE_ARGS = BUILT ? [APP] : ['--import', 'tsx', APP]
let broker: Broker | undefined
const children: ChildProcess[] = []
const stateDir = makeTempDir('samsa-streams-eos-')
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await broker?.close()
  removeTempDir(stateDir)
})

/** Spawns an application process; resolves once it has loaded (READY), before it starts. */
function prepareApp(bootstrap: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, bootstrap, stateDir, 'eos-in', 'eos-out'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SAMSA_TEST_BUILT: BUILT ? '1' : '0' } })
  children.push(child)
  let err = ''
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  return waitFor(child, 'READY', () => err)
}

function waitFor(child: ChildProcess, line: string, err: () => string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the application did not print ${line} within 20 s:\n${err()}`)), 20_000)
    const onData = (d: Buffer) => {
      if (!d.toString().includes(line)) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      resolve(child)
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`the application exited (${code}) before ${line}:\n${err()}`)))
  })
}

/** Starts a prepared process; resolves once it reports RUNNING. */
function startApp(child: ChildProcess): Promise<ChildProcess> {
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += `${Date.now() % 100_000} ${d}` })
  const running = waitFor(child, 'RUNNING', () => out)
  child.stdin!.write('start\n')
  return running
}

const kill = (c: ChildProcess): Promise<void> => new Promise((r) => {
  c.once('exit', () => r())
  c.kill('SIGKILL')
})

test('exactly_once_v2 with the application SIGKILLed three times: per-key counts are exactly 1..n under read_committed',
  // ~8 s on a quiet machine; the bound is for a hang, not for speed: a loaded 2-core machine has needed 20+ s.
  { timeout: 60_000 }, async () => {
  broker = await streamsBroker()
  const bootstrap = broker.bootstrap
  const admin = new Admin({ bootstrapServers: bootstrap })
  await admin.createTopics([{ topic: 'eos-in', numPartitions: 2 }, { topic: 'eos-out', numPartitions: 2 }])
  await admin.close()
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 0 })
  const sent = new Map<string, number>()
  let n = 0
  const produce = async (count: number): Promise<void> => {
    const records = Array.from({ length: count }, () => {
      const key = `k${n++ % 10}`
      sent.set(key, (sent.get(key) ?? 0) + 1)
      return { topic: 'eos-in', key, value: 'x' }
    })
    await producer.sendBatch(records)
  }
  const committedCount = async (min: number): Promise<void> => {
    await readUntil(bootstrap, 'eos-out', (m) => m.length >= min, { readCommitted: true, timeoutMs: 20_000 })
  }
  await produce(1000)
  // Each next incarnation loads while the current one runs; it starts once the current one is dead.
  let next = prepareApp(bootstrap)
  for (let round = 0; round < 3; round++) {
    const app = await startApp(await next)
    next = prepareApp(bootstrap)
    await committedCount(1 + round * 100)
    await produce(500) // arrives while the instance processes, then it dies mid-stream
    await kill(app)
  }
  const app = await startApp(await next)
  const total = [...sent.values()].reduce((a, b) => a + b, 0)
  const out = await readUntil(bootstrap, 'eos-out', (m) => m.length >= total, { readCommitted: true, timeoutMs: 30_000 })
  await kill(app)
  await producer.close()
  const perKey = new Map<string, number[]>()
  for (const m of out) {
    const k = m.key!.toString()
    ;(perKey.get(k) ?? perKey.set(k, []).get(k)!).push(Number(m.value!.readBigInt64BE(0)))
  }
  assert.equal(out.length, total, 'one output per input record')
  for (const [k, counts] of perKey) assert.deepEqual(counts, Array.from({ length: sent.get(k)! }, (_, i) => i + 1), `counts of ${k}`)
})
