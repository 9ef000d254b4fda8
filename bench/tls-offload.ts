// `npm run bench -- tls-offload [--blocks N] [--work MS] [--client-work MS] [--only SUBSTR]`: would
// terminating TLS on a worker thread take TLS off the broker's event loop (issue 17)? Node alone,
// no Samsa broker: a server process answers length-prefixed frames shaped like the broker bench's
// rows — produce 1p (64 KiB requests, 16 in flight, small responses), produce 16p (256 KiB requests,
// 16 in flight) and consume 1p (one 1 MiB fetch in flight) — over three transports:
// - `TCP`: plaintext on the main thread;
// - `TLS main`: node's TLS on the main thread, as the broker terminates it today;
// - `TLS worker`: a worker thread listens on its own TLS port (node cannot pass sockets between
//   threads), decrypts, cuts the stream into whole request frames and transfers them to the main
//   thread (postMessage, ArrayBuffers transferred, one message per connection and event-loop turn);
//   the main thread transfers its responses and the handled frames back (the worker reuses them),
//   and the worker encrypts and writes the responses.
// Every transport reads into one fixed buffer (the broker's socket-reads.ts) and copies into a
// frame; the main thread handles every frame alike; a fetch response is copied into a recycled
// buffer first, standing for the segment read the broker does. `--work MS` burns MS ms of the main
// thread's CPU per MB handled (the broker's own work), `--client-work MS` the client's (the load
// generator's record encoding): with both, the rows show what bounds the rate once the two
// processes share the two cores. The client (this process) is the same for both TLS rows. A
// warm-up moves half a block per row first; then blocks rotate through the rows so all see the same
// load. Prints MB/s, round-trip p50/p99, CPU per MB (schedstat) of the server's main thread, its TLS
// worker, the whole server process and the client, and context switches per MB of both processes.
import { execFileSync, fork } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { createServer as tcpServer, connect as tcpConnect } from 'node:net'
import type { NetConnectOpts, Socket } from 'node:net'
import { createServer as tlsServer, connect as tlsConnect } from 'node:tls'
import type { ConnectionOptions } from 'node:tls'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import { onCpuMs } from './loadgen/cpu.ts'
import { readIntoSharedBuffer } from '../src/broker/net/socket-reads.ts'

const MIB = 1 << 20
/** Bytes each row moves per block. */
const PER_BLOCK = 32 * MIB
const PRODUCE = 1
const FETCH = 2

// ---------------------------------------------------------------- framing (server side, both threads)

/** Cuts a byte stream into frames (4-byte big-endian size, then the frame), each copied into its own ArrayBuffer. */
class Frames {
  private head = 0
  private headGot = 0
  private frame: Buffer | null = null
  private got = 0

  constructor(private readonly onFrame: (frame: Buffer) => void, private readonly pool: FramePool) {}

  push(b: Buffer): void {
    let i = 0
    while (i < b.length) {
      if (this.frame === null) {
        this.head = (this.head << 8) | b[i++]!
        if (++this.headGot < 4) continue
        // Its own ArrayBuffer (never node's pool): the worker can transfer it.
        this.frame = this.pool.alloc(this.head >>> 0)
        this.head = this.headGot = this.got = 0
      }
      const n = Math.min(this.frame.length - this.got, b.length - i)
      b.copy(this.frame, this.got, i, i + n)
      this.got += n
      i += n
      if (this.got === this.frame.length) {
        const f = this.frame
        this.frame = null
        this.onFrame(f)
      }
    }
  }
}

/**
 * Frame buffers by size (rounded up to 64 KiB), handed back once handled, as the broker pools
 * produce frames. Across threads this matters most: a frame allocated on one thread and freed on the
 * other cost the worker a page fault per 4 KiB (glibc gives such blocks back to the system), which
 * doubled its CPU per MB in a first version.
 */
class FramePool {
  private readonly free = new Map<number, ArrayBuffer[]>()

  alloc(n: number): Buffer {
    const size = Math.ceil(n / 65536) * 65536
    const ab = this.free.get(size)?.pop()
    return Buffer.from(ab ?? Buffer.allocUnsafeSlow(size).buffer, 0, n)
  }

  give(ab: ArrayBuffer): void {
    let list = this.free.get(ab.byteLength)
    if (!list) this.free.set(ab.byteLength, (list = []))
    list.push(ab)
  }
}

// ---------------------------------------------------------------- the server's main thread

/** What the main thread sends back for one request; `recycle` returns a fetch buffer once written. */
interface Reply { buf: Buffer; recycle: boolean }

/** Replies in order, each run of small ones merged into one fresh (transferable) buffer. */
function mergeRuns(replies: readonly Reply[]): Reply[] {
  const out: Reply[] = []
  let run: Buffer[] = []
  const end = () => {
    if (run.length === 0) return
    const m = Buffer.allocUnsafeSlow(run.reduce((n, b) => n + b.length, 0))
    let at = 0
    for (const b of run) at += b.copy(m, at)
    out.push({ buf: m, recycle: false })
    run = []
  }
  for (const r of replies) {
    if (r.recycle) { end(); out.push(r) } else run.push(r.buf)
  }
  end()
  return out
}

/**
 * Burns about `ms` of CPU, standing for the broker's (or the load generator's) own work: a fixed
 * amount of arithmetic calibrated once against this process's CPU time, so preemption on a loaded
 * machine neither shortens nor lengthens the work (a wall-clock spin would).
 */
let itersPerMs = 0
let sink = 0
function burn(iters: number): void {
  let x = sink
  for (let i = 0; i < iters; i++) x = (x * 1103515245 + 12345) | 0
  sink = x
}
function spin(ms: number): void {
  if (ms > 0) burn(Math.round(ms * itersPerMs))
}
/** Run at start, before any other thread of the process is busy (process.cpuUsage counts them all). */
function calibrate(): void {
  burn(1e6) // compiled first
  const c0 = process.cpuUsage()
  burn(5e7)
  const c = process.cpuUsage(c0)
  itersPerMs = 5e7 / ((c.user + c.system) / 1000)
}

function serve(dir: string, workMsPerMb: number): void {
  calibrate()
  const pool = new FramePool()
  const payload = Buffer.alloc(MIB, 7)
  const fetchBufs: Buffer[] = []
  // One request frame: [kind u8][correlation u32][units of 64 KiB u8 (fetch)][payload...].
  const handle = (f: Buffer): Reply => {
    const corr = f.readUInt32BE(1)
    if (f[0] === PRODUCE) {
      spin((workMsPerMb * f.length) / 1e6)
      const r = Buffer.allocUnsafe(16)
      r.writeUInt32BE(12, 0)
      r.writeUInt32BE(corr, 4)
      return { buf: r, recycle: false }
    }
    const bytes = f[5]! * 64 * 1024
    const r = fetchBufs.pop() ?? Buffer.allocUnsafeSlow(8 + MIB)
    r.writeUInt32BE(bytes + 4, 0)
    r.writeUInt32BE(corr, 4)
    payload.copy(r, 8, 0, bytes) // stands for the segment read
    spin((workMsPerMb * bytes) / 1e6)
    return { buf: r.subarray(0, 8 + bytes), recycle: true }
  }
  const recycle = (b: Buffer) => fetchBufs.push(Buffer.from(b.buffer, 0, 8 + MIB))

  // Transports on this thread: reads into the shared buffer; replies of one turn written in order,
  // runs of small ones merged, large ones alone (the broker's tls-writes.ts).
  const onSocket = (secure: boolean) => (s: Socket) => {
    s.setNoDelay(true)
    if (secure) (s as unknown as { _writev: unknown })._writev = null
    const pending: Reply[] = []
    let queued = false
    const flush = () => {
      queued = false
      for (const r of mergeRuns(pending)) s.write(r.buf, r.recycle ? () => recycle(r.buf) : undefined)
      pending.length = 0
    }
    const frames = new Frames((f) => {
      pending.push(handle(f))
      pool.give(f.buffer as ArrayBuffer)
      if (!queued) { queued = true; setImmediate(flush) }
    }, pool)
    if (!readIntoSharedBuffer(s, (b) => frames.push(b))) s.on('data', (b: Buffer) => frames.push(b))
  }

  // The TLS worker's connections: frames arrive whole, replies go back (transferred) once per turn.
  // (tsx's loader is registered in the worker first: a worker does not inherit it)
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}) })`
  const worker = new Worker(boot, { eval: true, workerData: { dir } })
  const toWorker = new Map<number, Reply[]>()
  // Handled frames go back to the worker's pool (FramePool).
  let usedFrames: ArrayBuffer[] = []
  let workerQueued = false
  const flushWorker = () => {
    workerQueued = false
    for (const [c, replies] of toWorker) {
      const bufs = mergeRuns(replies).map((r) => ({ ab: r.buf.buffer as ArrayBuffer, len: r.buf.length, recycle: r.recycle }))
      worker.postMessage({ c, bufs, frames: usedFrames }, [...bufs.map((b) => b.ab), ...usedFrames])
      usedFrames = []
    }
    toWorker.clear()
  }
  let workerTid = 0
  worker.on('message', (m: { tid?: number; port?: number; c?: number; frames?: ArrayBuffer[]; sizes?: number[]; recycled?: ArrayBuffer[] }) => {
    if (m.tid !== undefined) { workerTid = m.tid; start(m.port!) }
    if (m.recycled) for (const ab of m.recycled) fetchBufs.push(Buffer.from(ab))
    if (m.frames) {
      let replies = toWorker.get(m.c!)
      if (!replies) toWorker.set(m.c!, (replies = []))
      for (let i = 0; i < m.frames.length; i++) replies.push(handle(Buffer.from(m.frames[i]!, 0, m.sizes![i])))
      usedFrames.push(...m.frames)
      if (!workerQueued) { workerQueued = true; setImmediate(flushWorker) }
    }
  })
  const start = (workerPort: number) => {
    const tcp = tcpServer(onSocket(false)).listen(0, '127.0.0.1', () => {
      const tls = tlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, onSocket(true))
      tls.listen(0, '127.0.0.1', () => process.send!({ tcp: port(tcp.address()), tls: port(tls.address()), worker: workerPort, workerTid }))
    })
  }
}

// ---------------------------------------------------------------- the TLS worker thread

function tlsWorker(dir: string, main: MessagePort): void {
  const sockets = new Map<number, Socket>()
  const out = new Map<number, Buffer[]>()
  let queued = false
  const flush = () => {
    queued = false
    for (const [c, list] of out) {
      const frames = list.map((f) => f.buffer as ArrayBuffer)
      main.postMessage({ c, frames, sizes: list.map((f) => f.length) }, frames)
    }
    out.clear()
  }
  const pool = new FramePool()
  let nextId = 0
  const server = tlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (s) => {
    const c = nextId++
    sockets.set(c, s)
    s.setNoDelay(true)
    ;(s as unknown as { _writev: unknown })._writev = null
    const frames = new Frames((f) => {
      let list = out.get(c)
      if (!list) out.set(c, (list = []))
      list.push(f)
      if (!queued) { queued = true; setImmediate(flush) }
    }, pool)
    if (!readIntoSharedBuffer(s, (b) => frames.push(b))) s.on('data', (b: Buffer) => frames.push(b))
    s.on('close', () => sockets.delete(c))
  })
  main.on('message', (m: { c: number; bufs: { ab: ArrayBuffer; len: number; recycle: boolean }[]; frames: ArrayBuffer[] }) => {
    for (const ab of m.frames) pool.give(ab)
    const s = sockets.get(m.c)
    for (const { ab, len, recycle } of m.bufs) {
      if (!s) continue
      s.write(Buffer.from(ab, 0, len), recycle ? () => main.postMessage({ recycled: [ab] }, [ab]) : undefined)
    }
  })
  server.listen(0, '127.0.0.1', () => {
    // This thread's kernel task id, for its CPU time in /proc/<pid>/task/<tid>.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    main.postMessage({ tid, port: port(server.address()) })
  })
}

const port = (a: unknown) => (a as { port: number }).port

// ---------------------------------------------------------------- the client (this process)

interface Row {
  name: string
  transport: 'TCP' | 'TLS main' | 'TLS worker'
  kind: 'produce' | 'fetch'
  frameBytes: number
  inFlight: number
  socket: Socket
  ms: number[]
  bytes: number
  wallMs: number
  cpu: Record<'main' | 'worker' | 'server' | 'client', number>
  switches: number
}

/** All threads' on-CPU time of a process (schedstat, ns resolution), ms. */
function processOnCpuMs(pid: number): number {
  let ms = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) ms += onCpuMs(pid, Number(tid)) ?? 0
  return ms
}

function switchesOf(pid: number): number {
  let n = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      for (const m of readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8').matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) n += Number(m[1])
    } catch { /* exited */ }
  }
  return n
}

export async function run(args: string[]): Promise<void> {
  const val = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined)
  const blocks = Number(val('--blocks') ?? 12)
  const work = Number(val('--work') ?? 0)
  const clientWork = Number(val('--client-work') ?? 0)
  const only = val('--only')
  calibrate()
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tls-offload-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'),
    '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
  const server = fork(fileURLToPath(import.meta.url), ['serve', dir, String(work)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' })
  const pid = server.pid!
  try {
    const ports = await new Promise<{ tcp: number; tls: number; worker: number; workerTid: number }>((resolve) => server.once('message', resolve))
    const rows: Row[] = []
    for (const [kind, frameBytes, inFlight, what] of [['produce', 64 * 1024, 16, 'produce 1p'], ['produce', 256 * 1024, 16, 'produce 16p'], ['fetch', MIB, 1, 'consume 1p']] as const) {
      for (const transport of ['TCP', 'TLS main', 'TLS worker'] as const) {
        const name = `${what} ${transport}`
        if (only && !only.split('|').some((o) => name.includes(o))) continue
        rows.push({ name, transport, kind, frameBytes, inFlight, socket: await open(transport, ports), ms: [], bytes: 0, wallMs: 0,
          cpu: { main: 0, worker: 0, server: 0, client: 0 }, switches: 0 })
      }
    }
    // Warm-up, not measured: every path compiled and every buffer pool filled before the first block.
    for (const r of rows) await drive(r, PER_BLOCK / 2, clientWork)
    for (const r of rows) r.ms.length = 0
    for (let b = 0; b < blocks; b++) {
      for (const r of rows) {
        const c0 = process.cpuUsage()
        const m0 = onCpuMs(pid) ?? 0
        const w0 = onCpuMs(pid, ports.workerTid) ?? 0
        const s0 = processOnCpuMs(pid)
        const x0 = switchesOf(pid) + switchesOf(process.pid)
        const t0 = performance.now()
        await drive(r, PER_BLOCK, clientWork)
        r.wallMs += performance.now() - t0
        r.bytes += PER_BLOCK
        const c = process.cpuUsage(c0)
        r.cpu.client += (c.user + c.system) / 1000
        r.cpu.main += (onCpuMs(pid) ?? 0) - m0
        r.cpu.worker += (onCpuMs(pid, ports.workerTid) ?? 0) - w0
        r.cpu.server += processOnCpuMs(pid) - s0
        r.switches += switchesOf(pid) + switchesOf(process.pid) - x0
      }
    }
    const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]!.toFixed(2)
    console.log(`tls-offload: node ${process.version}, ${blocks} blocks of ${PER_BLOCK / MIB} MiB per row, server main-thread work ${work} ms/MB, client work ${clientWork} ms/MB, ` +
      `load average ${loadavg()[0]!.toFixed(1)}`)
    console.log('ms/MB columns: CPU per MB (1e6 bytes) moved; main = the server\'s event loop, worker = its TLS thread, server = all its threads')
    for (const r of rows) {
      const mb = r.bytes / 1e6
      const per = (x: number) => (x / mb).toFixed(2)
      console.log(`${r.name.padEnd(22)} ${(mb / (r.wallMs / 1000)).toFixed(0).padStart(5)} MB/s | round trip p50 ${q(r.ms, 0.5)} p99 ${q(r.ms, 0.99)} ms | ` +
        `ms/MB main ${per(r.cpu.main)} worker ${per(r.cpu.worker)} server ${per(r.cpu.server)} client ${per(r.cpu.client)} | ` +
        `main on a CPU ${((100 * r.cpu.main) / r.wallMs).toFixed(0)}% | cswitch/MB ${(r.switches / mb).toFixed(1)}`)
      r.socket.destroy()
    }
  } finally {
    server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The client's connection for a transport; replies are parsed as they arrive and each completes the oldest request. */
const waiting = new WeakMap<Socket, { sent: number[]; got: number; onReply: (ms: number) => void }>()

function open(transport: Row['transport'], ports: { tcp: number; tls: number; worker: number }): Promise<Socket> {
  const buf = Buffer.allocUnsafe(64 * 1024)
  let head = 0
  let headGot = 0
  let left = 0
  let sock: Socket | null = null
  const onread = {
    buffer: buf,
    callback: (n: number) => {
      const w = waiting.get(sock!)!
      let i = 0
      while (i < n) {
        if (left === 0) {
          head = (head << 8) | buf[i++]!
          if (++headGot < 4) continue
          left = head >>> 0
          head = headGot = 0
        }
        const take = Math.min(left, n - i)
        i += take
        left -= take
        if (left === 0) w.onReply(performance.now() - w.sent.shift()!)
      }
      return true
    },
  }
  return new Promise<Socket>((resolve) => {
    const ready = () => { waiting.set(s, { sent: [], got: 0, onReply: () => {} }); resolve(s) }
    const s: Socket = transport === 'TCP'
      ? tcpConnect({ port: ports.tcp, host: '127.0.0.1', onread } as NetConnectOpts, ready)
      : tlsConnect({ port: transport === 'TLS main' ? ports.tls : ports.worker, host: '127.0.0.1', rejectUnauthorized: false, onread } as ConnectionOptions, ready)
    sock = s
    s.setNoDelay(true)
    if (transport !== 'TCP') (s as unknown as { _writev: unknown })._writev = null // as the load generator's TLS sockets
  })
}

/** Moves `bytes` through the row's connection: requests (produce) or responses (fetch), `inFlight` at a time. */
function drive(r: Row, bytes: number, workMsPerMb: number): Promise<void> {
  const w = waiting.get(r.socket)!
  const n = Math.ceil(bytes / r.frameBytes)
  const request = r.kind === 'produce' ? Buffer.alloc(4 + r.frameBytes, 1) : Buffer.alloc(4 + 6)
  request.writeUInt32BE(request.length - 4, 0)
  request[4] = r.kind === 'produce' ? PRODUCE : FETCH
  if (r.kind === 'fetch') request[9] = r.frameBytes / (64 * 1024)
  let sent = 0
  let done = 0
  return new Promise<void>((resolve) => {
    const send = () => {
      request.writeUInt32BE(sent, 5)
      w.sent.push(performance.now())
      sent++
      // A fresh request each time over TLS would only add the client's copy; the bytes are encrypted either way.
      r.socket.write(request)
    }
    w.onReply = (ms) => {
      r.ms.push(ms)
      spin((workMsPerMb * r.frameBytes) / 1e6) // stands for the load generator's record encoding or decoding
      if (++done === n) resolve()
      else if (sent < n) send()
    }
    while (sent < Math.min(n, r.inFlight)) send()
  })
}

if (!isMainThread && parentPort) tlsWorker((workerData as { dir: string }).dir, parentPort)
else if (process.argv[2] === 'serve') serve(process.argv[3]!, Number(process.argv[4]))
