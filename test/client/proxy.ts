// A Kafka-aware TCP proxy for fault injection: it forwards frames both ways and, when asked,
// drops the connection instead of delivering the response to a chosen API's request — the case
// where the broker applied a request but the client never heard back (it must retry).
import { createServer, connect } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { FrameSplitter } from './frame-splitter.ts'

export class FaultProxy {
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  /** Responses to this api key still to be dropped (each drop closes that connection). */
  dropResponses = 0
  dropApiKey = 0
  dropped = 0
  port = 0

  private constructor(private readonly target: () => { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client))
  }

  static async start(target: () => { host: string; port: number }): Promise<FaultProxy> {
    const p = new FaultProxy(target)
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r))
    p.port = (p.server.address() as AddressInfo).port
    return p
  }

  private accept(client: Socket): void {
    const t = this.target()
    const upstream = connect(t.port, t.host)
    this.sockets.add(client).add(upstream)
    const apiKeys: number[] = []
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    const frame = (b: Buffer) => {
      const out = Buffer.allocUnsafe(4 + b.length)
      out.writeInt32BE(b.length, 0)
      b.copy(out, 4)
      return out
    }
    const up = new FrameSplitter((f) => {
      const apiKey = f.readInt16BE(0)
      // acks=0 produce requests get no response; this proxy is only used with acks != 0.
      apiKeys.push(apiKey)
      upstream.write(frame(f))
    })
    const down = new FrameSplitter((f) => {
      const apiKey = apiKeys.shift()
      if (apiKey === this.dropApiKey && this.dropResponses > 0) {
        this.dropResponses--
        this.dropped++
        close()
        return
      }
      client.write(frame(f))
    })
    client.on('data', (d: Buffer) => up.push(d))
    upstream.on('data', (d: Buffer) => down.push(d))
    client.on('close', close).on('error', close)
    upstream.on('close', close).on('error', close)
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise((r) => this.server.close(r))
  }
}
