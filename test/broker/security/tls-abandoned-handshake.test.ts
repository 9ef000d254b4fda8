// A TLS client that refuses the broker's certificate gives up after the server's side of the
// TLS 1.3 handshake is done but before its own Finished: the broker never gets the connection,
// only a half-open socket. Shutdown must not wait for it (it used to until node's 120 s handshake
// timeout — e.g. a broker whose peer has a wrong inter-broker trust store). A handshake that never
// completes while the broker runs is abandoned after the listener's handshake timeout. A plaintext
// client on a TLS port is one warning line; so is a refused client certificate, with who and why.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:tls'
import { startBroker } from '../../../src/broker/index.ts'
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { makeTestCerts } from '../../helpers/certs.ts'
import { NetServer } from '../../../src/broker/net/server.ts'
import { RawClient, requestFrame } from '../raw-client.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'

test('a client that rejects the certificate mid-handshake does not hold up close()', async () => {
  const certs = makeTestCerts()
  const broker = await startBroker({ config: {
    listeners: 'SSL://127.0.0.1:0', 'listener.security.protocol.map': 'SSL:SSL', 'inter.broker.listener.name': 'SSL',
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverKeystorePem,
  } })
  const port = broker.port
  // No CA: the client refuses the server's certificate.
  const err = await new Promise<Error>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: true })
    s.once('error', resolve)
    s.once('secureConnect', () => resolve(new Error('unexpectedly trusted')))
  })
  assert.match(err.message, /self.signed|unable to verify|certificate/)
  const started = Date.now()
  await broker.close()
  assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started} ms`)
})

/** A bare TLS listener that answers nothing; `lines` collects what it logs at `level` and above. */
function tlsServer(level: string, lines: string[], extra: { tlsHandshakeTimeoutMs?: number } = {}, certs = makeTestCerts(),
  clientAuth: { requestCert?: boolean, ca?: Buffer } = {}): NetServer {
  return new NetServer({
    listeners: [{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL',
      tls: { key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert), ...clientAuth } }],
    handler: () => null,
    limits: { maxFrameBytes: 1 << 20, maxInFlightBytes: -1, maxInFlightRequests: 100, idleMs: -1 },
    ...extra,
    log: pino({ level }, { write: (s: string) => { const l = JSON.parse(s) as { msg: string, remote?: string }; lines.push(`${l.msg} (${l.remote})`) } }),
  })
}

test('a TLS handshake that never completes is abandoned after the handshake timeout', async (t) => {
  const lines: string[] = []
  const server = tlsServer('info', lines, { tlsHandshakeTimeoutMs: 300 })
  const [bound] = await server.start()
  t.after(() => server.close(100))
  // A TCP connection to the TLS port that sends nothing.
  const silent = await RawClient.connect(bound.port)
  assert.equal(await silent.closesWithin(5000), true)
  assert.ok(lines.some((l) => /TLS handshake failed: .*timeout/i.test(l)), lines.join('\n'))
})

test('a plaintext client on a TLS port is one warning (shown at the default log level), and is closed', async (t) => {
  const lines: string[] = []
  const server = tlsServer('warn', lines)
  const [bound] = await server.start()
  t.after(() => server.close(100))
  const plain = await RawClient.connect(bound.port)
  plain.write(requestFrame(ApiKey.ApiVersions, 0, 1, {}))
  assert.equal(await plain.closesWithin(5000), true)
  assert.deepEqual(lines.filter((l) => /TLS handshake failed/.test(l)).length, 1, lines.join('\n'))
})

test('a client certificate refused where one is required is one warning naming the address and the reason', async (t) => {
  const lines: string[] = []
  const certs = makeTestCerts()
  const server = tlsServer('warn', lines, {}, certs, { requestCert: true, ca: readFileSync(certs.ca) })
  const [bound] = await server.start()
  t.after(() => server.close(100))
  for (const cert of [{ key: readFileSync(certs.strangerKey), cert: readFileSync(certs.strangerCert) }, {}]) {
    const s = connect({ host: '127.0.0.1', port: bound.port, ca: readFileSync(certs.ca), servername: 'localhost', ...cert })
    s.on('error', () => {})
    await new Promise((resolve) => s.once('close', resolve))
  }
  const refused = lines.filter((l) => /client certificate refused/.test(l))
  assert.equal(refused.length, 2, lines.join('\n'))
  assert.match(refused[0], /refused: UNABLE_TO_\w+ \(127\.0\.0\.1:\d+\)$/)
  assert.match(refused[1], /refused: \S+ \(127\.0\.0\.1:\d+\)$/)
})
