// Accepted TLS sockets switched to reads into the shared buffer (socket-reads.ts): the switch
// must take on this node (else TLS connections silently fall back to the slower 'data' path),
// bytes arrive in order, pause() stops reading and resume() restarts it, 'end' still comes. With
// readIntoTargets, records are decrypted straight into the frame being received.
import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, connect as tlsConnect } from 'node:tls'
import type { TLSSocket } from 'node:tls'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { SHARED, readIntoSharedBuffer, readIntoTargets } from '../../../src/broker/net/socket-reads.ts'
import { FrameAssembler } from '../../../src/broker/net/frame-assembler.ts'
import { makeTestCerts } from '../../helpers/certs.ts'
import type { TestCerts } from '../../helpers/certs.ts'

let certs: TestCerts
let pem: { key: Buffer; cert: Buffer; ca: Buffer }
before(() => {
  certs = makeTestCerts()
  pem = { key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert), ca: readFileSync(certs.ca) }
})

test('a server-side TLS socket reads into the shared buffer; pause and resume hold', async () => {
  const payload = Buffer.alloc(3 * 1024 * 1024)
  for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i)
  const result = new Promise<{ switched: boolean; hash: string; pausedAt: number; resumedAfterPause: boolean; dataEvents: number }>((resolve) => {
    const server = createServer({ key: pem.key, cert: pem.cert }, (socket: TLSSocket) => {
      const hash = createHash('sha256')
      let got = 0
      let pausedAt = -1
      let dataEvents = 0
      let paused = false
      let resumedAfterPause = false
      socket.on('data', () => { dataEvents++ })
      const switched = readIntoSharedBuffer(socket, (bytes) => {
        hash.update(bytes)
        got += bytes.length
        if (paused) return
        if (pausedAt < 0 && got > 512 * 1024) {
          // Pause mid-stream: what node already decrypted may still come; then nothing until resume.
          paused = true
          socket.pause()
          setTimeout(() => {
            pausedAt = got
            paused = false
            resumedAfterPause = true
            socket.resume()
          }, 100)
        }
      })
      socket.on('end', () => {
        server.close()
        resolve({ switched, hash: hash.digest('hex'), pausedAt, resumedAfterPause, dataEvents })
        socket.end()
      })
    })
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      const client = tlsConnect({ host: '127.0.0.1', port, ca: pem.ca, servername: 'localhost' }, () => {
        client.end(payload)
      })
      client.resume()
    })
  })
  const r = await result
  assert.equal(r.switched, true, 'this node has the onread hooks')
  assert.equal(r.dataEvents, 0)
  assert.equal(r.hash, createHash('sha256').update(payload).digest('hex'))
  assert.ok(r.resumedAfterPause && r.pausedAt < payload.length, `paused at ${r.pausedAt}`)
})

test('a socket already holding bytes read the usual way is left alone', async () => {
  const server = createServer({ key: pem.key, cert: pem.cert })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>
  const client = tlsConnect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, ca: pem.ca, servername: 'localhost' })
  await once(client, 'secureConnect')
  const [socket] = await accepted
  client.write('early')
  await new Promise<void>((resolve) => socket.once('readable', () => resolve()))
  assert.ok(socket.readableLength > 0)
  assert.equal(readIntoSharedBuffer(socket, () => assert.fail('no bytes through the shared buffer')), false)
  assert.equal(socket.read()!.toString(), 'early')
  client.destroy()
  socket.destroy()
  server.close()
})

test('a server-side TLS socket decrypts into the frame being received (readIntoTargets)', async () => {
  const bodies = Array.from({ length: 40 }, (_, i) => Buffer.alloc(i % 3 === 0 ? 70_000 : 10 + i * 97, i))
  const wire = Buffer.concat(bodies.map((b) => { const f = Buffer.alloc(4 + b.length); f.writeInt32BE(b.length, 0); b.copy(f, 4); return f }))
  const result = new Promise<{ switched: boolean; frames: Buffer[]; inPlace: number; dataEvents: number }>((resolve) => {
    const server = createServer({ key: pem.key, cert: pem.cert }, (socket: TLSSocket) => {
      const a = new FrameAssembler(1 << 20)
      const frames: Buffer[] = []
      let inPlace = 0
      let dataEvents = 0
      socket.on('data', () => { dataEvents++ })
      const switched = readIntoTargets(socket, () => a.readTarget(SHARED), (n, buf) => {
        if (buf.buffer !== SHARED.buffer) inPlace += n
        a.receivedAt(n, buf)
        for (let f = a.next(); f !== null; f = a.next()) frames.push(Buffer.from(f))
      })
      socket.on('end', () => {
        server.close()
        resolve({ switched, frames, inPlace, dataEvents })
        socket.end()
      })
    })
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      const client = tlsConnect({ host: '127.0.0.1', port, ca: pem.ca, servername: 'localhost' }, () => {
        for (let at = 0; at < wire.length; at += 50_000) client.write(wire.subarray(at, at + 50_000))
        client.end()
      })
      client.resume()
    })
  })
  const r = await result
  assert.equal(r.switched, true, 'this node has the onread hooks')
  assert.equal(r.dataEvents, 0)
  assert.deepEqual(r.frames, bodies)
  // 14 frames of 70,000 bytes: all but each one's first record (at most 16 KiB) arrive in place.
  assert.ok(r.inPlace >= 14 * (70_000 - 16 * 1024), `in place ${r.inPlace}`)
})
