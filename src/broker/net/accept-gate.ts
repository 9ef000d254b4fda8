// The accept side of the connection quotas (connection-quotas.ts), in Kafka's order: each listener
// takes its new sockets one at a time, first come first served, as Kafka's acceptor thread does.
// The first in line is recorded in the connection-creation rates; if that puts a rate above its
// limit, the listener waits out the delay before taking it (the client's connect has completed in
// the kernel, but nothing it sends is read); then it waits for a free slot (max.connections);
// then its IP is checked: over the IP's connection_creation_rate it is held unserved and closed
// after its throttle time, at max.connections.per.ip it is closed at once, else it is handed on.
// A line longer than socket.listen.backlog.size is what the kernel's backlog would refuse: the
// newest socket is closed. Sockets given up by their client while waiting leave the line.
import type { Socket } from 'node:net'
import type { ConnectionQuotas } from './connection-quotas.ts'
import type { LogLimiter } from './log-limiter.ts'

interface Waiting {
  readonly socket: Socket
  /** Counted in the creation rates already (its accept delay was decided). */
  recorded: boolean
}

export interface AcceptGateOptions {
  readonly quotas: ConnectionQuotas
  /** The injected clock. */
  readonly now: () => number
  readonly limiter: LogLimiter
  /** socket.listen.backlog.size: most sockets waiting per listener. */
  readonly backlog: () => number
  /** A socket let through; `release` must be called once when it closes. */
  readonly admitted: (socket: Socket, listener: string, release: () => void) => void
}

const noop = () => {}

export class AcceptGate {
  private readonly lines = new Map<string, Waiting[]>()
  /** A listener waiting out an accept delay. */
  private readonly delays = new Map<string, NodeJS.Timeout>()
  /** Sockets over their IP's rate, closed when their throttle time is up. */
  private readonly held = new Map<Socket, NodeJS.Timeout>()
  private closed = false

  constructor(private readonly opts: AcceptGateOptions) {}

  /** Sockets not handed on yet (waiting or held). */
  get waiting(): number {
    let n = this.held.size
    for (const line of this.lines.values()) n += line.length
    return n
  }

  /** A new socket on `listener`. */
  offer(socket: Socket, listener: string): void {
    // Until a connection takes the socket over, its errors (a reset while waiting) only end it.
    socket.on('error', noop)
    if (this.closed) {
      socket.destroy()
      return
    }
    let line = this.lines.get(listener)
    if (!line) this.lines.set(listener, line = [])
    if (line.length >= this.opts.backlog()) {
      this.opts.limiter.warn({ remote: `${socket.remoteAddress}:${socket.remotePort}`, listener }, `refusing connection: ${line.length} connections wait to be accepted (socket.listen.backlog.size)`)
      socket.destroy()
      return
    }
    const w: Waiting = { socket, recorded: false }
    line.push(w)
    socket.once('close', () => {
      const i = line.indexOf(w)
      if (i >= 0) line.splice(i, 1)
    })
    this.pump(listener)
  }

  /** Takes what may be taken on every listener (a slot freed, a limit was raised). */
  pumpAll(): void {
    for (const listener of this.lines.keys()) this.pump(listener)
  }

  private pump(listener: string): void {
    const line = this.lines.get(listener)
    if (!line || this.closed || this.delays.has(listener)) return
    const { quotas, now } = this.opts
    while (line.length > 0) {
      const head = line[0]
      if (head.socket.destroyed) {
        line.shift()
        continue
      }
      if (!head.recorded) {
        head.recorded = true
        const delay = quotas.recordAccept(listener, now())
        if (delay > 0) {
          this.delays.set(listener, setTimeout(() => {
            this.delays.delete(listener)
            this.pump(listener)
          }, delay))
          return
        }
      }
      if (!quotas.slotAvailable(listener)) return
      line.shift()
      this.decide(head.socket, listener)
    }
  }

  private decide(socket: Socket, listener: string): void {
    const address = socket.remoteAddress ?? ''
    const remote = `${address}:${socket.remotePort}`
    const a = this.opts.quotas.admit(listener, address, this.opts.now())
    if (a.kind === 'too-many') {
      this.opts.limiter.warn({ remote, listener }, `refusing connection: max.connections.per.ip ${a.max} reached`)
      socket.destroy()
      return
    }
    if (a.kind === 'throttle') {
      this.opts.limiter.info({ remote, listener }, `throttling connection: ${address} is over its connection_creation_rate ${a.rate}/s; closing it in ${a.ms} ms`)
      socket.pause()
      this.held.set(socket, setTimeout(() => {
        this.held.delete(socket)
        socket.destroy()
      }, a.ms))
      return
    }
    let released = false
    this.opts.admitted(socket, listener, () => {
      if (released) return
      released = true
      this.opts.quotas.release(listener, address)
      this.pumpAll()
    })
  }

  /** Ends every waiting and held socket; nothing is taken any more. */
  close(): void {
    this.closed = true
    for (const t of this.delays.values()) clearTimeout(t)
    this.delays.clear()
    for (const line of this.lines.values()) for (const w of line.splice(0)) w.socket.destroy()
    for (const [socket, t] of this.held) {
      clearTimeout(t)
      socket.destroy()
    }
    this.held.clear()
  }
}
