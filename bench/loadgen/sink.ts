// The TCP ceiling: a plain Node server that counts and drops bytes (it stands where the broker
// stands, in its own process), and a client that writes 64 KiB buffers as fast as the socket
// takes them (it stands where the load generator stands).
import { connect, createServer } from 'node:net'
import type { Server } from 'node:net'
import { cpuMs } from './cpu.ts'
import type { RateResult, SinkBlastJob } from './jobs.ts'

export function startSink(): Promise<{ server: Server; port: number; bytes: () => number }> {
  let bytes = 0
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => { bytes += chunk.length })
    socket.on('error', () => socket.destroy())
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      resolve({ server, port, bytes: () => bytes })
    })
  })
}

export function runBlast(job: SinkBlastJob): Promise<RateResult> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: job.host, port: job.port })
    const buf = Buffer.alloc(job.writeBytes, 0x61)
    let written = 0
    let writes = 0
    let t0 = 0
    let c0 = 0
    const pump = () => {
      for (;;) {
        if (performance.now() - t0 >= job.durationMs) {
          const ms = performance.now() - t0
          const cpu = cpuMs() - c0
          socket.end(() => resolve({ messages: writes, valueBytes: written, wireBytes: written, ms, cpuMs: cpu, requests: writes, errors: 0 }))
          return
        }
        written += buf.length
        writes++
        if (!socket.write(buf)) {
          socket.once('drain', pump)
          return
        }
      }
    }
    socket.once('connect', () => {
      t0 = performance.now()
      c0 = cpuMs()
      pump()
    })
    socket.once('error', reject)
  })
}
