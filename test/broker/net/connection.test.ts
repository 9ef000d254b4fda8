// The per-connection pipeline in isolation: a NetServer with a scripted frame handler.
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { NetServer } from '../../../src/broker/net/server.ts'
import type { FrameHandler, FrameResult } from '../../../src/broker/net/connection.ts'
import { RawClient } from '../raw-client.ts'

/** Request body: int32 id, int32 delay ms, int8 mode (0 answer, 1 no response, 2 throw, 3 reject). */
function req(id: number, delayMs: number, mode = 0, pad = 0): Buffer {
  const b = Buffer.alloc(4 + 9 + pad)
  b.writeInt32BE(9 + pad, 0)
  b.writeInt32BE(id, 4)
  b.writeInt32BE(delayMs, 8)
  b.writeInt8(mode, 12)
  return b
}

function answer(id: number): Buffer[] {
  const b = Buffer.alloc(8)
  b.writeInt32BE(4, 0)
  b.writeInt32BE(id, 4)
  return [b.subarray(0, 4), b.subarray(4)]
}

const scripted: FrameHandler = (frame) => {
  const id = frame.readInt32BE(0)
  const delay = frame.readInt32BE(4)
  const mode = frame.readInt8(8)
  if (mode === 2) throw new Error(`request ${id} refused`)
  const result: FrameResult = mode === 1 ? null : answer(id)
  if (delay === 0 && mode !== 3) return result
  return new Promise((resolve, reject) => setTimeout(() => (mode === 3 ? reject(new Error(`request ${id} failed`)) : resolve(result)), delay))
}

interface TestLimits {
  maxInFlightBytes: number
  maxInFlightRequests: number
  maxConnections: () => number
  maxConnectionsPerIp: number
  halfClosedGraceMs: number
}

async function serve(t: TestContext, handler: FrameHandler, limits: Partial<TestLimits> = {}) {
  const lines: string[] = []
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s).msg) } })
  const server = new NetServer({
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    handler,
    limits: { maxFrameBytes: 1 << 20, maxInFlightBytes: limits.maxInFlightBytes ?? -1, maxInFlightRequests: limits.maxInFlightRequests ?? 1000, idleMs: -1,
      halfClosedGraceMs: limits.halfClosedGraceMs },
    maxConnections: limits.maxConnections ?? 100,
    maxConnectionsPerIp: limits.maxConnectionsPerIp,
    log,
  })
  const [bound] = await server.start()
  // Close even when an assertion fails, so a failing test cannot hang the run on an open listener.
  t.after(() => server.close(100))
  return { server, port: bound.port, lines }
}

test('responses leave in request order even when later requests finish first; no-response slots are skipped', async (t) => {
  const { server, port } = await serve(t, scripted)
  const c = await RawClient.connect(port)
  c.write(Buffer.concat([req(1, 60), req(2, 0, 1), req(3, 30), req(4, 0), req(5, 10, 1), req(6, 5)]))
  const ids = []
  for (let i = 0; i < 4; i++) ids.push((await c.readFrame()).readInt32BE(0))
  assert.deepEqual(ids, [1, 3, 4, 6])
  c.destroy()
  await server.close()
})

test('a handler that throws or rejects closes only its connection, with one log line', async (t) => {
  const { server, port, lines } = await serve(t, scripted)
  const other = await RawClient.connect(port)
  for (const mode of [2, 3]) {
    const c = await RawClient.connect(port)
    const before = lines.length
    c.write(Buffer.concat([req(1, 0), req(2, 5, mode), req(3, 0)]))
    assert.equal((await c.readFrame()).readInt32BE(0), 1)
    assert.equal(await c.closesWithin(1000), true)
    await assert.rejects(c.readFrame(50))
    assert.deepEqual(lines.slice(before).filter((l) => /closing/.test(l)), [`closing connection: request 2 ${mode === 2 ? 'refused' : 'failed'}`])
  }
  other.write(req(9, 0))
  assert.equal((await other.readFrame()).readInt32BE(0), 9)
  other.destroy()
  await server.close()
})

test('back-pressure: reading pauses while in-flight bytes exceed the bound, and resumes when answered', async (t) => {
  let started = 0
  const release: (() => void)[] = []
  // Requests are held until the bound was checked, then answered a little later each (after
  // their dispatch: the next ones are read from the socket asynchronously once reading resumes).
  let answering = false
  const held: FrameHandler = (frame) => {
    started++
    const id = frame.readInt32BE(0)
    if (answering) return new Promise((resolve) => setImmediate(() => resolve(answer(id))))
    return new Promise((resolve) => release.push(() => resolve(answer(id))))
  }
  const { server, port } = await serve(t, held, { maxInFlightBytes: 10_000 })
  const c = await RawClient.connect(port)
  const n = 400
  c.write(Buffer.concat(Array.from({ length: n }, (_, i) => req(i, 0, 0, 1000)))) // ~400 KB
  await new Promise((r) => setTimeout(r, 200))
  // 10 frames of 1013 bytes exceed 10,000: the 10th pauses the socket.
  assert.ok(started <= 11, `handler started ${started} requests despite the bound`)
  answering = true
  while (release.length) release.shift()!()
  const got: number[] = []
  while (got.length < n) got.push((await c.readFrame()).readInt32BE(0))
  assert.deepEqual(got, Array.from({ length: n }, (_, i) => i))
  c.destroy()
  await server.close()
})

test('back-pressure by request count (queued.max.requests)', async (t) => {
  let started = 0
  const release: (() => void)[] = []
  const held: FrameHandler = (frame) => {
    started++
    const id = frame.readInt32BE(0)
    return new Promise((resolve) => release.push(() => resolve(answer(id))))
  }
  const { server, port } = await serve(t, held, { maxInFlightRequests: 5 })
  const c = await RawClient.connect(port)
  c.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => req(i, 0))))
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(started, 5)
  for (let i = 0; i < 50; i++) {
    while (release.length) release.shift()!()
    assert.equal((await c.readFrame()).readInt32BE(0), i)
  }
  c.destroy()
  await server.close()
})

test('a client that does not read its responses stops being read (send buffer back-pressure)', async (t) => {
  let started = 0
  const big: FrameHandler = (frame) => {
    started++
    const b = Buffer.alloc(4 + 65536)
    b.writeInt32BE(65536, 0)
    b.writeInt32BE(frame.readInt32BE(0), 4)
    return [b]
  }
  const { server, port } = await serve(t, big)
  const c = await RawClient.connect(port)
  c.socket.pause()
  const n = 2000 // 128 MiB of responses if nothing held the broker back
  c.write(Buffer.concat(Array.from({ length: n }, (_, i) => req(i, 0))))
  await new Promise((r) => setTimeout(r, 300))
  assert.ok(started < 500, `${started} requests handled while the client read nothing`)
  c.socket.resume()
  for (let i = 0; i < n; i++) assert.equal((await c.readFrame()).readInt32BE(0), i)
  assert.equal(started, n)
  c.destroy()
  await server.close()
})

test('a client that half-closes after its requests still gets every answer', async (t) => {
  const { server, port } = await serve(t, scripted)
  const c = await RawClient.connect(port)
  c.write(Buffer.concat([req(1, 80), req(2, 0), req(3, 40)]))
  c.socket.end()
  assert.deepEqual([(await c.readFrame()).readInt32BE(0), (await c.readFrame()).readInt32BE(0), (await c.readFrame()).readInt32BE(0)], [1, 2, 3])
  assert.equal(await c.closesWithin(1000), true)
  await server.close()
})

test('a half-closed client whose request stays parked is closed after the grace, not kept open', async (t) => {
  const { server, port } = await serve(t, scripted, { halfClosedGraceMs: 300 })
  const c = await RawClient.connect(port)
  // Request 2 stays parked (a JoinGroup waiting for a rebalance would): it holds back every answer.
  c.write(Buffer.concat([req(1, 0), req(2, 5000)]))
  c.socket.end()
  assert.equal((await c.readFrame()).readInt32BE(0), 1)
  const start = Date.now()
  assert.equal(await c.closesWithin(3000), true)
  assert.ok(Date.now() - start >= 200, 'answers still in flight get the grace period')
  assert.equal(server.connectionCount, 0)
})

test('close() stops accepting but answers in-flight requests before ending connections', async (t) => {
  const { server, port } = await serve(t, scripted)
  const c = await RawClient.connect(port)
  c.write(req(1, 150))
  await new Promise((r) => setTimeout(r, 30))
  const closing = server.close()
  assert.equal((await c.readFrame()).readInt32BE(0), 1)
  assert.equal(await c.closesWithin(1000), true)
  await closing
  await assert.rejects(RawClient.connect(port))
})

test('close() ends a connection whose client sent more while draining: the client\'s FIN is still seen', async (t) => {
  let got = (): void => {}
  const received = new Promise<void>((resolve) => { got = resolve })
  let release = (): void => {}
  const held: FrameHandler = (frame) => {
    const id = frame.readInt32BE(0)
    if (id !== 1) return answer(id)
    got()
    return new Promise((resolve) => { release = () => resolve(answer(1)) })
  }
  const { server, port } = await serve(t, held)
  const c = await RawClient.connect(port)
  c.write(req(1, 0))
  await received
  const closing = server.close()
  // Reading is paused for the drain: this request is read (and dropped) after the connection ended.
  c.write(req(2, 0))
  release()
  assert.equal((await c.readFrame()).readInt32BE(0), 1)
  // The client answers our FIN with its own (allowHalfOpen off); the server must read it rather
  // than wait for its 5 s give-up timer (or forever, when nothing else keeps the process alive).
  assert.equal(await c.closesWithin(2000), true)
  let timer: NodeJS.Timeout | undefined
  const closed = await Promise.race([closing.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), 3000) })])
  clearTimeout(timer)
  assert.equal(closed, true, 'server.close() waited for the give-up timer')
})

test('max.connections.per.ip closes, a max.connections that changes at runtime holds new connections', async (t) => {
  let max = 100
  const { port, lines } = await serve(t, scripted, { maxConnectionsPerIp: 3, maxConnections: () => max })
  const open = [await RawClient.connect(port), await RawClient.connect(port), await RawClient.connect(port)]
  const fourth = await RawClient.connect(port)
  assert.equal(await fourth.closesWithin(1000), true)
  assert.ok(lines.some((l) => /max\.connections\.per\.ip 3 reached/.test(l)))
  open.pop()!.destroy()
  await new Promise((r) => setTimeout(r, 50))
  const again = await RawClient.connect(port)
  again.write(req(1, 0))
  assert.equal((await again.readFrame()).readInt32BE(0), 1)
  // At max.connections a new connection waits to be accepted (as Kafka's acceptor) until one closes.
  max = 3
  const beyond = await RawClient.connect(port)
  beyond.write(req(2, 0))
  await assert.rejects(beyond.readFrame(300), /timed out/)
  open.pop()!.destroy()
  assert.equal((await beyond.readFrame()).readInt32BE(0), 2)
  for (const c of [...open, again, beyond]) c.destroy()
})

test('queued.max.request.bytes bounds request bytes in flight across all connections', async (t) => {
  let started = 0
  const release: (() => void)[] = []
  const held: FrameHandler = (frame) => {
    started++
    const id = frame.readInt32BE(0)
    return new Promise((resolve) => release.push(() => resolve(answer(id))))
  }
  const { port } = await serve(t, held, { maxInFlightBytes: 20_000 })
  const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(port)))
  for (const c of clients) c.write(Buffer.concat(Array.from({ length: 20 }, (_, i) => req(i, 0, 0, 1000))))
  await new Promise((r) => setTimeout(r, 200))
  // ~20 frames of ~1 KB fit the budget, plus at most one admitted per otherwise idle connection.
  assert.ok(started <= 31, `${started} requests in flight`)
  for (const c of clients) {
    for (let i = 0; i < 20; i++) {
      while (release.length) release.shift()!()
      assert.equal((await c.readFrame()).readInt32BE(0), i)
    }
  }
  assert.equal(started, 200)
  for (const c of clients) c.destroy()
})

test('frames still arriving reserve their size from the budget; their bodies wait while it is exhausted', async (t) => {
  const { server, port } = await serve(t, scripted, { maxInFlightBytes: 20_000 })
  const n = 8
  const frames = Array.from({ length: n }, (_, i) => req(i, 0, 0, 50_000))
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)))
  clients.forEach((c, i) => c.write(frames[i].subarray(0, 10_000)))
  await new Promise((r) => setTimeout(r, 200))
  // Only the first announced frame got a reservation; the others wait before reading their bodies.
  assert.ok(server.budget.inUse >= 50_013 && server.budget.inUse <= 20_000 + 50_013, `budget in use ${server.budget.inUse}`)
  clients.forEach((c, i) => c.write(frames[i].subarray(10_000)))
  for (let i = 0; i < n; i++) assert.equal((await clients[i].readFrame()).readInt32BE(0), i)
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(server.budget.inUse, 0)
  for (const c of clients) c.destroy()
})

test('a half-closing client gets answers to every request, also those held back by the in-flight limit', async (t) => {
  const { port } = await serve(t, scripted, { maxInFlightRequests: 3 })
  const c = await RawClient.connect(port)
  c.write(Buffer.concat(Array.from({ length: 40 }, (_, i) => req(i, i % 3 === 0 ? 15 : 0))))
  c.socket.end()
  for (let i = 0; i < 40; i++) assert.equal((await c.readFrame()).readInt32BE(0), i)
  assert.equal(await c.closesWithin(1000), true)
})
