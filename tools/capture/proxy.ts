// A recording TCP proxy between one Kafka client and one upstream broker. It forwards bytes
// unchanged except for one thing: the upstream's own port inside responses (Metadata broker
// list, FindCoordinator) is replaced by the proxy's port, so the client keeps talking through
// the proxy after bootstrap. The replacement keeps every length intact (int32 for int32).
import { createServer, connect } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { FrameSplitter, peekCorrelationId, peekRequestHeader } from './frames.ts'
import type { Pending, Translator } from './translate.ts'

export interface CapturedFrame {
  /** Order of capture across all connections of this proxy. */
  seq: number
  connection: number
  direction: 'request' | 'response'
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
  /** The frame without its 4-byte size prefix: header + body, as the client sent or received it. */
  bytes: Buffer
  /** A response re-encoded by the translator (not the upstream's own bytes). */
  translated?: boolean
}

export interface RecordingProxy {
  host: string
  port: number
  address: string
  frames: CapturedFrame[]
  close(): Promise<void>
}

/** With `translator`, newer client versions are served by an older upstream (see translate.ts). */
export async function startRecordingProxy(
  upstream: { host: string; port: number },
  translator?: Translator,
): Promise<RecordingProxy> {
  const frames: CapturedFrame[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  let seq = 0
  let from = Buffer.alloc(0)
  let to = Buffer.alloc(0)

  const server: Server = createServer((client) => {
    const id = connections++
    const pending = new Map<number, ReturnType<typeof peekRequestHeader> & { translation?: Pending }>()
    const up = connect(upstream.port, upstream.host)
    sockets.add(client).add(up)
    const requests = new FrameSplitter()
    const responses = new FrameSplitter()
    const drop = () => {
      client.destroy()
      up.destroy()
      sockets.delete(client)
      sockets.delete(up)
    }
    client.on('error', drop).on('close', drop)
    up.on('error', drop).on('close', drop)

    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        const header = peekRequestHeader(frame)
        frames.push({ seq: seq++, connection: id, direction: 'request', ...header, bytes: frame })
        const t = translator?.request(frame)
        pending.set(header.correlationId, { ...header, translation: t?.pending })
        up.write(sizePrefixed(t ? t.upstream : frame))
      }
    })
    up.on('data', (chunk: Buffer) => {
      for (const raw of responses.push(chunk)) {
        const correlationId = peekCorrelationId(raw)
        const req = pending.get(correlationId)
        pending.delete(correlationId)
        const t = translator && req?.translation ? translator.response(raw, req.translation) : undefined
        const frame = replaceAll(t ? t.frame : raw, from, to)
        frames.push({
          seq: seq++,
          connection: id,
          direction: 'response',
          apiKey: req?.apiKey ?? -1,
          apiVersion: req?.apiVersion ?? -1,
          correlationId,
          clientId: req?.clientId ?? null,
          bytes: frame,
          ...(t?.translated ? { translated: true } : {}),
        })
        client.write(sizePrefixed(frame))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, upstream.host, resolve))
  const port = (server.address() as AddressInfo).port
  const host = Buffer.from(upstream.host)
  from = Buffer.concat([host, int32(upstream.port)])
  to = Buffer.concat([host, int32(port)])

  return {
    host: upstream.host,
    port,
    address: `${upstream.host}:${port}`,
    frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

function sizePrefixed(frame: Buffer): Buffer {
  return Buffer.concat([int32(frame.length), frame])
}

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  let at = buf.indexOf(from)
  if (at < 0) return buf
  const out = Buffer.from(buf)
  while (at >= 0) {
    to.copy(out, at)
    at = buf.indexOf(from, at + from.length)
  }
  return out
}
