// `npm run bench -- tls-floor [--blocks N]`: node alone, no Samsa — a server process answers each
// 1-byte request with 1 MiB written in one piece, over TCP and over TLS (TLS 1.3, node's default
// cipher, an EC P-256 throw-away certificate), and the client reads into one fixed buffer (as the
// load generator reads fetch responses). One request in flight, as a consumer of one partition:
// the round trip is what the consume-1p rows of `bench broker --tls` pay per MiB on top of the
// broker's own work. Blocks of 40 round trips alternate between TCP and TLS so both see the same
// load; prints round-trip percentiles and each process's CPU per MiB.
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
const PER_BLOCK = 40

function serve(dir: string): void {
  const payload = Buffer.alloc(MIB, 7)
  const onSocket = (s: Socket) => {
    s.setNoDelay(true)
    s.on('data', () => s.write(payload))
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
    let done: (() => void) | null = null
    const onread = { buffer: buf, callback: (n: number) => { got += n; if (got >= MIB && done) { const d = done; done = null; d() } return true } }
    const open = (secure: boolean) => new Promise<Socket>((resolve) => {
      const s: Socket = secure
        ? tlsConnect({ port: ports.tls, host: '127.0.0.1', rejectUnauthorized: false, onread } as ConnectionOptions, () => resolve(s))
        : tcpConnect({ port: ports.tcp, host: '127.0.0.1', onread } as NetConnectOpts, () => resolve(s))
      s.setNoDelay(true)
    })
    const rows = [{ name: 'TCP', socket: await open(false) }, { name: 'TLS', socket: await open(true) }]
      .map((r) => ({ ...r, ms: [] as number[], clientCpu: 0, serverCpu: 0 }))
    const request = Buffer.from([1])
    for (let b = 0; b < blocks; b++) {
      for (const r of rows) {
        const c0 = process.cpuUsage()
        const s0 = processCpuMs(server.pid!) ?? 0
        for (let i = 0; i < PER_BLOCK; i++) {
          got = 0
          const t = performance.now()
          await new Promise<void>((resolve) => { done = resolve; r.socket.write(request) })
          r.ms.push(performance.now() - t)
        }
        const c = process.cpuUsage(c0)
        r.clientCpu += (c.user + c.system) / 1000
        r.serverCpu += (processCpuMs(server.pid!) ?? 0) - s0
      }
    }
    const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]!.toFixed(3)
    console.log(`tls-floor: node ${process.version}, ${blocks} x ${PER_BLOCK} round trips of 1 MiB per row, load average ${loadavg()[0]!.toFixed(1)}`)
    for (const r of rows) {
      console.log(`${r.name}  round trip min ${q(r.ms, 0)} p5 ${q(r.ms, 0.05)} p25 ${q(r.ms, 0.25)} p50 ${q(r.ms, 0.5)} ms | cpu per MiB: ` +
        `client ${(r.clientCpu / r.ms.length).toFixed(3)} ms, server ${(r.serverCpu / r.ms.length).toFixed(3)} ms`)
      r.socket.destroy()
    }
  } finally {
    server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'serve') serve(process.argv[3]!)
