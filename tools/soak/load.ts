// The soak's load process (forked by tools/soak/soak.ts, so the broker and the prober are not
// slowed by frame generation): `concurrency` loops, each opening connection after connection —
// mostly short ones (a burst of pipelined frames, then a hang-up or a half-close), some long
// ones (bursts for seconds, reading answers) — sending fuzzed frames from frames.ts.
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { Reader, Writer } from '../../src/protocol/primitives/index.ts'
import { encodeRequestHeader, decodeResponseHeader } from '../../src/protocol/generated/headers.ts'
import { decodeApiVersionsResponse, encodeApiVersionsRequest } from '../../src/protocol/generated/messages/api-versions.ts'
import { FrameFuzzer } from './frames.ts'
import type { ServedApi } from './frames.ts'

export interface LoadOptions {
  port: number
  seconds: number
  seed: number
  concurrency: number
}

export interface LoadProgress {
  frames: number
  connections: number
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** The APIs and versions the broker advertises (ApiVersions v0). */
export async function servedApis(port: number): Promise<ServedApi[]> {
  const s = await open(port)
  const w = new Writer(64)
  w.int32(0)
  encodeRequestHeader(w, { requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: 'soak' }, 1)
  encodeApiVersionsRequest(w, { clientSoftwareName: '', clientSoftwareVersion: '', unknownTaggedFields: [] } as never, 0)
  w.patchInt32(0, w.length - 4)
  s.write(w.finish())
  const frame = await new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0)
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) resolve(buf.subarray(4, 4 + buf.readInt32BE(0)))
    })
    s.once('close', () => reject(new Error('connection closed before the ApiVersions answer')))
  })
  s.destroy()
  const r = new Reader(frame)
  decodeResponseHeader(r, 0)
  return decodeApiVersionsResponse(r, 0).apiKeys.map((k) => ({ apiKey: k.apiKey, minVersion: k.minVersion, maxVersion: k.maxVersion }))
}

export async function runLoad(opts: LoadOptions, progress: LoadProgress): Promise<void> {
  const served = await servedApis(opts.port)
  const deadline = Date.now() + opts.seconds * 1000
  const loops = Array.from({ length: opts.concurrency }, async (_, i) => {
    const fuzz = await FrameFuzzer.create(served, opts.seed * 1000 + i)
    const rng = Math.random
    while (Date.now() < deadline) {
      let s: Socket
      try {
        s = await open(opts.port)
      } catch {
        await sleep(50)
        continue
      }
      progress.connections++
      const closed = new Promise<void>((r) => s.once('close', () => r()))
      s.on('error', () => {})
      s.on('data', () => {})
      let gone = false
      void closed.then(() => { gone = true })
      const long = rng() < 0.1
      const until = long ? Math.min(deadline, Date.now() + 1000 + rng() * 5000) : 0
      do {
        const burst = 1 + Math.floor(rng() * 20)
        for (let f = 0; f < burst && !gone; f++) {
          progress.frames++
          if (!s.write(fuzz.next())) await Promise.race([new Promise((r) => s.once('drain', r)), closed, sleep(1000)])
        }
        await Promise.race([closed, sleep(long ? 5 + rng() * 50 : rng() * 30)])
      } while (long && !gone && Date.now() < until)
      if (rng() < 0.5) s.destroy()
      else s.end()
      await Promise.race([closed, sleep(200)])
      s.destroy()
    }
  })
  await Promise.all(loops)
}

// Forked by soak.ts: options arrive as the first IPC message, progress goes back once a second.
if (process.send && process.argv[1]?.endsWith('load.ts')) {
  process.once('message', (opts: LoadOptions) => {
    const progress: LoadProgress = { frames: 0, connections: 0 }
    const timer = setInterval(() => process.send!({ progress }), 1000)
    runLoad(opts, progress).then(() => {
      clearInterval(timer)
      process.send!({ progress, done: true }, () => process.exit(0))
    }, (err: unknown) => {
      console.error(err)
      process.exit(1)
    })
  })
}
