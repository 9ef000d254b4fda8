// Reads of an accepted socket into one buffer shared by every connection, instead of a fresh
// buffer per read pushed through the stream machinery ('data'). For TLS this is most of what TLS
// costs beyond the cipher: node decrypts record by record (at most 16 KiB each) and, without it,
// allocates and emits a new Buffer for every record; measured here, reads into a fixed buffer took
// 0.65-0.75 ms of CPU per MB against 1.05-1.2 for 'data' events (the AES-GCM itself ~0.25).
//
// net's documented `onread` option does exactly this, but node passes it only to sockets it
// connects itself (net.connect, tls.connect), never to a server's. The switch below uses the
// same hooks that option sets, found by name on a socket made with it; if a node version lacks
// them, nothing changes and the socket keeps its 'data' events.
import { Socket } from 'node:net'
import type { SocketConstructorOpts } from 'node:net'

interface Hooks {
  buffer: symbol
  callback: symbol
  generator: symbol
}

let hooks: Hooks | null | undefined

function findHooks(): Hooks | null {
  // (node's types list `onread` for connect() only; the constructor takes it the same way)
  const probe = new Socket({ onread: { buffer: Buffer.alloc(1), callback: () => {} } } as SocketConstructorOpts)
  const byName = new Map(Object.getOwnPropertySymbols(probe).map((s) => [s.description, s]))
  probe.destroy()
  const buffer = byName.get('kBuffer')
  const callback = byName.get('kBufferCb')
  const generator = byName.get('kBufferGen')
  return buffer && callback && generator ? { buffer, callback, generator } : null
}

/** One buffer for every socket's reads: each read is handed over (and copied out) before the next. */
export const SHARED = Buffer.allocUnsafeSlow(64 * 1024)

/**
 * From now on the socket's reads land in a shared buffer and `onRead` gets them (valid only during
 * the call) instead of 'data' events; pause()/resume() still stop and start reading, 'end' and
 * 'close' are unchanged. Bytes the socket already buffered are handed over first. False (and
 * nothing changed) when this node has no such hooks.
 */
export function readIntoSharedBuffer(socket: Socket, onRead: (bytes: Buffer) => void): boolean {
  hooks ??= findHooks()
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle
  if (hooks === null || typeof handle?.useUserBuffer !== 'function' || socket.readableLength > 0) return false
  const target = socket as unknown as Record<symbol, unknown>
  target[hooks.buffer] = SHARED
  target[hooks.callback] = (n: number) => onRead(SHARED.subarray(0, n))
  target[hooks.generator] = null
  handle.useUserBuffer(SHARED)
  return true
}

/**
 * Like readIntoSharedBuffer, but each read goes where `target()` says (asked again after every
 * read): a TLS socket decrypts each record into the rest of the request frame it belongs to instead
 * of the shared buffer, saving the copy out of it. Meant for TLS only: node hands decrypted bytes
 * over a record (at most 16 KiB) at a time whatever the target, whereas a plaintext socket's reads
 * would stop at every frame's end. `onRead(n, buf)`: `n` bytes arrived at the start of `buf`, the
 * buffer the previous `target()` returned.
 */
export function readIntoTargets(socket: Socket, target: () => Buffer, onRead: (n: number, buf: Buffer) => void): boolean {
  hooks ??= findHooks()
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle
  if (hooks === null || typeof handle?.useUserBuffer !== 'function' || socket.readableLength > 0) return false
  const first = target()
  const s = socket as unknown as Record<symbol, unknown>
  s[hooks.buffer] = first
  s[hooks.callback] = onRead
  s[hooks.generator] = target
  handle.useUserBuffer(first)
  return true
}
