// One soak run: a `samsa start` process from built JS (dist/), a load process sending fuzzed
// frames over many connections (load.ts), and this process watching the broker — its RSS from
// /proc, its heap after a full GC (broker-probe.mjs over IPC), and how long a fresh client's
// ApiVersions takes, once a second. Heap snapshots can be taken at chosen times.
import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runLoad } from './load.ts'
import type { LoadOptions, LoadProgress } from './load.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

export interface SoakOptions {
  seconds: number
  /** The broker's CLI entry (built JS). */
  brokerJs?: string
  seed?: number
  concurrency?: number
  /** Extra broker configs (`--set key=value`). */
  sets?: Record<string, string>
  /** Seconds into the run at which to write a heap snapshot into `snapshotDir`. */
  snapshotAt?: number[]
  snapshotDir?: string
  /** Seconds between memory samples (each after a full GC). */
  sampleEvery?: number
  /** Called with every sample as it is taken. */
  onSample?: (s: Sample) => void
  /** nice(1) level for the broker and the load process. */
  nice?: number
  /** Run the load in this process (no second tsx start-up; the suite's test does) instead of a forked one. */
  loadInProcess?: boolean
  /** How long a fresh client's ApiVersions may take before it counts as unanswered (default 5 s). */
  probeTimeoutMs?: number
}

export interface Sample {
  /** Seconds since the load started. */
  t: number
  rssMB: number
  /** V8 heap in use after a full GC, JIT code excluded (it grows as V8 optimises: a warm-up). */
  heapMB: number
  /** JIT code in the heap. */
  codeMB: number
  externalMB: number
  frames: number
  connections: number
  /** Slowest fresh-client ApiVersions answer since the previous sample, ms. */
  probeMaxMs: number
  load1: number
  /** Active handles and requests in the broker (timers, sockets). */
  handles: number
  /** The broker's CPU use since the previous sample, % of one core. */
  cpu: number
  /** Partition directories in the broker's data directory. */
  partitions: number
  /** Longest event-loop stall in the broker since the previous sample, ms. */
  stallMs: number
}

export interface SoakResult {
  samples: Sample[]
  /** Slowest ApiVersions answer of the whole run, ms (a timed-out probe counts as its timeout). */
  probeMaxMs: number
  probeFailures: number
  probes: number
  frames: number
  connections: number
  /** Broker output lines at error level (a handler that threw). */
  errorLines: string[]
  /** Warning and error lines of the broker by message (with the error's message), counted. */
  logCounts: Map<string, number>
  snapshots: string[]
}

const PROBE_TIMEOUT_MS = 5000
const MB = 1024 * 1024

/** ApiVersions v3 from a fresh connection: resolves with the time to its answer (rejects on timeout or close). */
export function probeApiVersions(port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<number> {
  // Header v2 (flexible): size, key 18, version 3, correlation id 7, client id "probe", no tags;
  // body: client software name and version as compact strings, no tags.
  const body = Buffer.from([0x00, 0x12, 0x00, 0x03, 0, 0, 0, 7, 0x00, 0x05, ...Buffer.from('probe'), 0x00,
    0x06, ...Buffer.from('soak.'), 0x02, 0x31, 0x00])
  const frame = Buffer.concat([Buffer.alloc(4), body])
  frame.writeInt32BE(body.length, 0)
  const start = performance.now()
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' })
    let got = 0
    const timer = setTimeout(() => {
      s.destroy()
      reject(new Error(`no ApiVersions answer within ${timeoutMs} ms`))
    }, timeoutMs)
    s.on('connect', () => s.write(frame))
    s.on('data', (d: Buffer) => {
      got += d.length
      if (got >= 4) {
        clearTimeout(timer)
        s.destroy()
        resolve(performance.now() - start)
      }
    })
    s.on('error', () => {})
    s.on('close', () => {
      clearTimeout(timer)
      if (got === 0) reject(new Error('connection closed without an ApiVersions answer'))
    })
  })
}

/** CPU time (user + system) of a process, ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

interface ProbeReply {
  type: string, id: number, memory?: NodeJS.MemoryUsage, codeBytes?: number, handles?: number, path?: string, eventLoopMaxMs?: number
}

/** Sends one IPC question to the broker's probe and waits for its answer. */
function ask(child: ChildProcess, msg: Record<string, unknown>): Promise<ProbeReply> {
  const id = Math.random()
  return new Promise((resolve, reject) => {
    const onMsg = (m: ProbeReply) => {
      if (m?.id !== id) return
      child.off('message', onMsg)
      resolve(m)
    }
    child.on('message', onMsg)
    child.send({ ...msg, id }, (err) => { if (err) reject(err) })
  })
}

async function startBroker(opts: SoakOptions, dataDir: string): Promise<{ child: ChildProcess, port: number, output: string[], counts: Map<string, number> }> {
  const sets = { 'listeners': 'PLAINTEXT://127.0.0.1:0', 'schema.registry.listeners': '', ...opts.sets }
  const args = ['--expose-gc', '--import', new URL('./broker-probe.mjs', import.meta.url).href,
    opts.brokerJs ?? join(REPO, 'dist/src/cli/main.js'), 'start', '--data-dir', dataDir,
    ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`])]
  const child = spawn('nice', ['-n', String(opts.nice ?? 10), process.execPath, ...args],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const output: string[] = []
  const counts = new Map<string, number>()
  const port = await new Promise<number>((resolve, reject) => {
    let buf = ''
    const onData = (b: Buffer) => {
      buf += b.toString()
      const lines = buf.split('\n')
      buf = lines.pop()!
      for (const line of lines) {
        if (/"level":\s*(40|50|60)\b/.test(line)) {
          if (output.length < 10_000) output.push(line)
          const e = JSON.parse(line) as { level: number, msg: string, err?: { message?: string } | string }
          const err = typeof e.err === 'string' ? e.err : e.err?.message ?? ''
          const key = `${e.level} ${e.msg}${err ? `: ${err}` : ''}`.replace(/group [^:]*:/, 'group …:').slice(0, 160)
          counts.set(key, (counts.get(key) ?? 0) + 1)
        } else if (output.length < 100) output.push(line)
        const m = /listening on (?:[A-Z_]+:\/\/)?[\w.:-]+:(\d+)/.exec(line)
        if (m) resolve(Number(m[1]))
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${output.slice(-20).join('\n')}`)))
  })
  return { child, port, output, counts }
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-soak-'))
  let broker: ChildProcess | undefined
  let load: ChildProcess | undefined
  try {
    const started = await startBroker(opts, dataDir)
    broker = started.child
    const brokerExited = new Promise<never>((_, reject) =>
      broker!.once('exit', (code, signal) => reject(new Error(`the broker exited (${code ?? signal}) during the soak`))))
    brokerExited.catch(() => {})
    const progress: LoadProgress = { frames: 0, connections: 0 }
    const loadOpts: LoadOptions = { port: started.port, seconds: opts.seconds, seed: opts.seed ?? 1, concurrency: opts.concurrency ?? 24 }
    let loadDone: Promise<void>
    if (opts.loadInProcess) {
      loadDone = runLoad(loadOpts, progress)
    } else {
      const child = load = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'], cwd: REPO, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      spawn('renice', ['-n', String(opts.nice ?? 10), '-p', String(child.pid)], { stdio: 'ignore' })
      loadDone = new Promise<void>((resolve, reject) => {
        child.on('message', (m: { progress: LoadProgress, done?: boolean }) => {
          Object.assign(progress, m.progress)
          if (m.done) resolve()
        })
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the load process exited with ${code}`))))
      })
      child.send(loadOpts)
    }
    const t0 = Date.now()
    const samples: Sample[] = []
    const snapshots: string[] = []
    let probeMaxMs = 0
    let windowMaxMs = 0
    let probes = 0
    let probeFailures = 0
    let running = true
    const prober = (async () => {
      while (running) {
        probes++
        const ms = await probeApiVersions(started.port, opts.probeTimeoutMs).catch(() => {
          probeFailures++
          return opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS
        })
        probeMaxMs = Math.max(probeMaxMs, ms)
        windowMaxMs = Math.max(windowMaxMs, ms)
        await new Promise((r) => setTimeout(r, 1000))
      }
    })()
    const pendingSnapshots = [...(opts.snapshotAt ?? [])].sort((a, b) => a - b)
    const sampleEvery = (opts.sampleEvery ?? 5) * 1000
    let lastCpu = { at: performance.now(), ms: cpuMs(broker.pid!) }
    const sample = async () => {
      const cpu = { at: performance.now(), ms: cpuMs(broker!.pid!) }
      const cpuPct = Math.round((cpu.ms - lastCpu.ms) / (cpu.at - lastCpu.at) * 100)
      lastCpu = cpu
      const reply = await ask(broker!, { type: 'sample', gc: true })
      const s: Sample = {
        t: Math.round((Date.now() - t0) / 1000),
        rssMB: Math.round(rssMB(broker!.pid!)),
        heapMB: Math.round((reply.memory!.heapUsed - (reply.codeBytes ?? 0)) / MB * 10) / 10,
        codeMB: Math.round((reply.codeBytes ?? 0) / MB * 10) / 10,
        externalMB: Math.round(reply.memory!.external / MB * 10) / 10,
        frames: progress.frames,
        connections: progress.connections,
        probeMaxMs: Math.round(windowMaxMs),
        load1: Math.round(loadavg()[0] * 100) / 100,
        handles: reply.handles ?? 0,
        cpu: cpuPct,
        partitions: readdirSync(dataDir).filter((d) => /-\d+$/.test(d)).length,
        stallMs: Math.round(reply.eventLoopMaxMs ?? 0),
      }
      windowMaxMs = 0
      samples.push(s)
      opts.onSample?.(s)
    }
    await sample()
    let finished = false
    const finishedLoad = loadDone.then(() => { finished = true })
    while (!finished) {
      await Promise.race([finishedLoad, new Promise((r) => setTimeout(r, sampleEvery)), brokerExited])
      const t = (Date.now() - t0) / 1000
      while (pendingSnapshots.length > 0 && pendingSnapshots[0] <= t) {
        pendingSnapshots.shift()
        const reply = await ask(broker, { type: 'snapshot', path: join(opts.snapshotDir ?? tmpdir(), `soak-${Math.round(t)}s.heapsnapshot`) })
        snapshots.push(reply.path!)
      }
      await Promise.race([sample(), brokerExited])
    }
    running = false
    await prober
    // Memory once the load has stopped and idle connections are gone.
    await sample()
    return {
      samples, probeMaxMs: Math.round(probeMaxMs), probeFailures, probes, snapshots,
      frames: progress.frames, connections: progress.connections,
      logCounts: started.counts,
      errorLines: started.output.filter((l) => /"level":\s*(50|60)\b|"level":"(error|fatal)"/.test(l)),
    }
  } finally {
    if (load && load.exitCode === null) load.kill('SIGKILL')
    if (broker && broker.exitCode === null && broker.signalCode === null) {
      const exited = new Promise((r) => broker!.once('exit', r))
      broker.kill('SIGTERM')
      const t = setTimeout(() => broker!.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(t)
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
}
