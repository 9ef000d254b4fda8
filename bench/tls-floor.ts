// `npm run bench -- tls-floor [--blocks N]`: node alone, no Samsa — a server process answers each
// 2-byte request with 1 MiB written in one piece, or with 16 MiB written as 16 separate 1 MiB writes
// (as the broker writes a 16-partition fetch response), or (TLS) with 1 MiB as two 512 KiB writes
// (would the client decrypting the first half while the server encrypts the second pay off? tls3
// found not under load), over TCP and over TLS (TLS 1.3, node's
// default cipher, an EC P-256 throw-away certificate); the client reads into one fixed buffer (as
// the load generator reads fetch responses). One request in flight, as a consumer: the round trip is
// what the consume rows of `bench broker --tls` pay per fetch on top of the broker's own work.
// Blocks of round trips rotate through the rows so all see the same load; prints round-trip
// percentiles, each process's CPU per MiB, and how much the two processes worked at the same time
// (both processes' CPU over the wall time: 1 = one after the other; up to 2 = fully overlapped).
import { execFileSync, fork } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as tcpServer, connect as tcpConnect } from 'node:net'
import type { NetConnectOpts, Socket } from 'node:net'
import { createServer as tlsServer, connect as tlsConnect } from 'node:tls'
import type { ConnectionOptions } from 'node:tls'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { processCpuMs } from './loadgen/cpu.ts'

const MIB = 1 << 20
/** Round trips per block: about 40 MiB per row and block. */
const PER_BLOCK_MIB = 40

function serve(dir: string): void {
  const payload = Buffer.alloc(MIB, 7)
  const onSocket = (s: Socket) => {
    s.setNoDelay(true)
    // Queued writes go out one by one, as the broker's TLS connections write (net/tls-writes.ts).
    ;(s as unknown as { _writev: unknown })._writev = null
    // d[0] writes of d[1] x 64 KiB each.
    s.on('data', (d: Buffer) => { for (let i = 0; i < d[0]!; i++) s.write(payload.subarray(0, d[1]! * 64 * 1024)) })
  }
  const tcp = tcpServer(onSocket).listen(0, '127.0.0.1', () => {
    const tls = tlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, onSocket)
    tls.listen(0, '127.0.0.1', () => process.send!({ tcp: port(tcp.address()), tls: port(tls.address()) }))
  })
}

const port = (a: unknown) => (a as { port: number }).port

export async function run(args: string[]): Promise<void> {
  const blocks = Number(args[args.indexOf('--blocks') + 1] || 25)
  const dir = mkdtempSync(join(tmpdir(), 'samsa-tls-floor-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'),
    '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
  const server = fork(fileURLToPath(import.meta.url), ['serve', dir], { execArgv: ['--import', 'tsx'], stdio: 'inherit' })
  try {
    const ports = await new Promise<{ tcp: number; tls: number }>((resolve) => server.once('message', resolve))
    const buf = Buffer.allocUnsafe(64 * 1024)
    let got = 0
    let want = 0
    let done: (() => void) | null = null
    const onread = { buffer: buf, callback: (n: number) => { got += n; if (got >= want && done) { const d = done; done = null; d() } return true } }
    const open = (secure: boolean) => new Promise<Socket>((resolve) => {
      const s: Socket = secure
        ? tlsConnect({ port: ports.tls, host: '127.0.0.1', rejectUnauthorized: false, onread } as ConnectionOptions, () => resolve(s))
        : tcpConnect({ port: ports.tcp, host: '127.0.0.1', onread } as NetConnectOpts, () => resolve(s))
      s.setNoDelay(true)
    })
    const rows = []
    const shapes = [[false, 1, 16], [true, 1, 16], [true, 2, 8], [false, 16, 16], [true, 16, 16]] as const
    for (const [secure, writes, units] of shapes) {
      const mib = (writes * units) / 16
      rows.push({ name: `${secure ? 'TLS' : 'TCP'} ${writes} x ${units * 64 >= 1024 ? `${units / 16} MiB` : `${units * 64} KiB`}`, writes, units, mib,
        socket: await open(secure), ms: [] as number[], wallMs: 0, clientCpu: 0, serverCpu: 0 })
    }
    for (let b = 0; b < blocks; b++) {
      for (const r of rows) {
        const request = Buffer.from([r.writes, r.units])
        const c0 = process.cpuUsage()
        const s0 = processCpuMs(server.pid!) ?? 0
        const t0 = performance.now()
        for (let i = 0; i < PER_BLOCK_MIB / r.mib; i++) {
          got = 0
          want = r.mib * MIB
          const t = performance.now()
          await new Promise<void>((resolve) => { done = resolve; r.socket.write(request) })
          r.ms.push(performance.now() - t)
        }
        r.wallMs += performance.now() - t0
        const c = process.cpuUsage(c0)
        r.clientCpu += (c.user + c.system) / 1000
        r.serverCpu += (processCpuMs(server.pid!) ?? 0) - s0
      }
    }
    const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]!.toFixed(3)
    console.log(`tls-floor: node ${process.version}, ${blocks} blocks of ${PER_BLOCK_MIB} MiB per row, load average ${loadavg()[0]!.toFixed(1)}`)
    for (const r of rows) {
      const mib = r.ms.length * r.mib
      console.log(`${r.name.padEnd(14)} round trip min ${q(r.ms, 0)} p5 ${q(r.ms, 0.05)} p25 ${q(r.ms, 0.25)} p50 ${q(r.ms, 0.5)} ms | cpu per MiB: ` +
        `client ${(r.clientCpu / mib).toFixed(3)} ms, server ${(r.serverCpu / mib).toFixed(3)} ms | both at once ${((r.clientCpu + r.serverCpu) / r.wallMs).toFixed(2)}`)
      r.socket.destroy()
    }
  } finally {
    server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'serve') serve(process.argv[3]!)
