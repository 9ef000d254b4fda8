// A TLS client that refuses the broker's certificate gives up after the server's side of the
// TLS 1.3 handshake is done but before its own Finished: the broker never gets the connection,
// only a half-open socket. Shutdown must not wait for it (it used to until node's 120 s handshake
// timeout — e.g. a broker whose peer has a wrong inter-broker trust store).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:tls'
import { startBroker } from '../../../src/broker/index.ts'
import { makeTestCerts } from '../../helpers/certs.ts'

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
