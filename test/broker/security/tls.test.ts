// TLS listeners beside a plaintext one on one broker: PEM and PKCS12 key stores (file, inline and
// per-listener overrides), client certificates (required, refused, the principal from the DN),
// a PKCS12 trust store verifying kcat's PKCS12 client key store, Metadata answering with the
// endpoint of the listener asked, kcat producing and consuming over TLS with a client certificate
// (fetch bytes through the TLS socket), a legacy-encrypted PKCS12 key store, and clients on the wrong kind of port refused while the
// broker keeps serving. Certificates are made by the test.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createServer, connect as tlsConnect } from 'node:tls'
import type { TLSSocket } from 'node:tls'
import { once } from 'node:events'
import { X509Certificate } from 'node:crypto'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { listenerTls } from '../../../src/broker/security/tls-options.ts'
import { tlsPrincipal } from '../../../src/broker/security/principal.ts'
import { makeTestCerts } from '../../helpers/certs.ts'
import type { TestCerts } from '../../helpers/certs.ts'
import { runKcat, runProcess } from '../../helpers/run.ts'
import { requireTool } from '../../helpers/tools.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

let certs: TestCerts
before(() => {
  certs = makeTestCerts()
})

async function metadataVia(client: RawClient): Promise<MetadataResponse> {
  client.write(requestFrame(ApiKey.Metadata, 9, 1, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }))
  return decodeResponseFrame<MetadataResponse>(ApiKey.Metadata, 9, await client.readFrame()).body
}

describe('TLS listeners', () => {
  let broker: SecureBroker
  before(async () => {
    broker = await startSecureBroker({
      'listeners': 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,P12://127.0.0.1:0,P12T://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,P12:SSL,P12T:SSL',
      'advertised.listeners': 'PLAINTEXT://plain.example:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,P12://127.0.0.1:0,P12T://127.0.0.1:0',
      // Broker-wide: a PEM key store file.
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverKeystorePem,
      // MTLS: inline key and chain (KIP-651), client certificates required.
      'listener.name.mtls.ssl.keystore.key': readFileSync(certs.serverKey, 'utf8'),
      'listener.name.mtls.ssl.keystore.certificate.chain': readFileSync(certs.serverCert, 'utf8'),
      'listener.name.mtls.ssl.truststore.type': 'PEM',
      'listener.name.mtls.ssl.truststore.location': certs.ca,
      'listener.name.mtls.ssl.client.auth': 'required',
      // P12: a PKCS12 store, TLS 1.3 only.
      'listener.name.p12.ssl.keystore.type': 'PKCS12',
      'listener.name.p12.ssl.keystore.location': certs.serverP12,
      'listener.name.p12.ssl.keystore.password': certs.p12Password,
      'listener.name.p12.ssl.enabled.protocols': 'TLSv1.3',
      // P12T: client certificates verified against a PKCS12 trust store.
      'listener.name.p12t.ssl.truststore.type': 'PKCS12',
      'listener.name.p12t.ssl.truststore.location': certs.caP12,
      'listener.name.p12t.ssl.truststore.password': certs.p12Password,
      'listener.name.p12t.ssl.client.auth': 'required',
    })
  })
  after(async () => {
    await broker?.close()
  })

  const ca = () => readFileSync(certs.ca)

  it('answers Metadata with the advertised endpoint of the listener the client came in on', async () => {
    const plain = await RawClient.connect(broker.port('PLAINTEXT'))
    const tls = await RawClient.connectTls(broker.port('SSL'), { ca: ca(), servername: 'localhost' })
    try {
      const viaPlain = await metadataVia(plain)
      assert.deepEqual(viaPlain.brokers.map((b) => [b.host, b.port]), [['plain.example', broker.port('PLAINTEXT')]])
      const viaTls = await metadataVia(tls)
      assert.deepEqual(viaTls.brokers.map((b) => [b.host, b.port]), [['127.0.0.1', broker.port('SSL')]])
    } finally {
      plain.destroy()
      tls.destroy()
    }
  })

  it('serves a PKCS12 key store with the enabled protocols only', async () => {
    const c = await RawClient.connectTls(broker.port('P12'), { ca: ca(), servername: 'localhost' })
    try {
      assert.equal((c.socket as TLSSocket).getProtocol(), 'TLSv1.3')
      assert.equal((await metadataVia(c)).brokers[0].port, broker.port('P12'))
    } finally {
      c.destroy()
    }
    await assert.rejects(RawClient.connectTls(broker.port('P12'), { ca: ca(), servername: 'localhost', maxVersion: 'TLSv1.2' }))
  })

  it('kcat produces and consumes over TLS with a client certificate (large fetches through the TLS socket)', async () => {
    const tlsArgs = ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.ca}`,
      '-X', `ssl.certificate.location=${certs.clientCert}`, '-X', `ssl.key.location=${certs.clientKey}`]
    const lines = Array.from({ length: 400 }, (_, i) => `k${i}:${String(i).padStart(6, '0')}${'x'.repeat(4000)}`)
    await runKcat(broker.bootstrap('MTLS'), [...tlsArgs, '-P', '-t', 'tls-topic', '-p', '0', '-K:'], { input: lines.join('\n') + '\n', timeoutMs: 20_000 })
    const got = (await runKcat(broker.bootstrap('MTLS'), [...tlsArgs, '-C', '-t', 'tls-topic', '-p', '0', '-e', '-q', '-o', 'beginning', '-f', '%k:%s\\n'],
      { timeoutMs: 20_000 })).stdout.split('\n').filter(Boolean)
    assert.equal(got.length, lines.length)
    assert.deepEqual(got, lines)
  })

  it('refuses a TLS client without a certificate, or with one from another CA, where certificates are required', async () => {
    const r = await runProcess(requireTool('kcat'), ['-b', broker.bootstrap('MTLS'), '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.ca}`,
      '-L', '-m', '3'], { timeoutMs: 15_000 })
    assert.notEqual(r.code, 0)
    const stranger = { ca: ca(), servername: 'localhost', key: readFileSync(certs.strangerKey), cert: readFileSync(certs.strangerCert) }
    // TLS 1.3 reports the refusal after the client's handshake finished: the connection then closes.
    const refused = await RawClient.connectTls(broker.port('MTLS'), stranger).then((c) => c.closesWithin(10_000).then((closed) => { c.destroy(); return closed }), () => true)
    assert.equal(refused, true)
  })

  it('verifies client certificates against a PKCS12 trust store (kcat presenting a PKCS12 key store)', async () => {
    const p12Args = ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.ca}`,
      '-X', `ssl.keystore.location=${certs.clientP12}`, '-X', `ssl.keystore.password=${certs.p12Password}`]
    await runKcat(broker.bootstrap('P12T'), [...p12Args, '-P', '-t', 'p12-topic', '-p', '0'], { input: 'one\ntwo\n', timeoutMs: 20_000 })
    const got = (await runKcat(broker.bootstrap('P12T'), [...p12Args, '-C', '-t', 'p12-topic', '-p', '0', '-e', '-q', '-o', 'beginning'],
      { timeoutMs: 20_000 })).stdout.split('\n').filter(Boolean)
    assert.deepEqual(got, ['one', 'two'])
    const stranger = { ca: ca(), servername: 'localhost', key: readFileSync(certs.strangerKey), cert: readFileSync(certs.strangerCert) }
    const refused = await RawClient.connectTls(broker.port('P12T'), stranger).then((c) => c.closesWithin(10_000).then((closed) => { c.destroy(); return closed }), () => true)
    assert.equal(refused, true)
  })

  it('closes a plaintext client on a TLS port and a TLS client on a plaintext port; others keep being served', async () => {
    const plainOnTls = await RawClient.connect(broker.port('SSL'))
    plainOnTls.write(requestFrame(ApiKey.ApiVersions, 0, 1, {}))
    assert.equal(await plainOnTls.closesWithin(10_000), true)
    const tlsOnPlain = tlsConnect({ port: broker.port('PLAINTEXT'), host: '127.0.0.1', ca: ca(), servername: 'localhost' })
    // The broker reads the ClientHello as an oversized request and closes (events.once would reject on the error).
    await new Promise<void>((resolve) => {
      tlsOnPlain.on('error', () => {})
      tlsOnPlain.on('close', () => resolve())
    })
    const fine = await RawClient.connectTls(broker.port('SSL'), { ca: ca(), servername: 'localhost' })
    try {
      assert.equal((await metadataVia(fine)).brokers.length, 1)
    } finally {
      fine.destroy()
    }
  })
})

describe('TLS principal', () => {
  it('is User: plus the certificate subject in RFC 2253 order, ANONYMOUS without a certificate', async () => {
    const config = new BrokerConfig([
      ['listeners', 'SSL://127.0.0.1:0'],
      ['ssl.keystore.type', 'PEM'], ['ssl.keystore.location', certs.serverKeystorePem],
      ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', certs.ca], ['ssl.client.auth', 'requested'],
    ])
    const { options } = listenerTls(config, 'SSL')
    const principals: string[] = []
    const server = createServer(options, (s) => {
      principals.push(tlsPrincipal(s))
      s.end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as { port: number }).port
    try {
      for (const extra of [{ key: readFileSync(certs.clientKey), cert: readFileSync(certs.clientCert) }, {}]) {
        const c = tlsConnect({ port, host: '127.0.0.1', ca: readFileSync(certs.ca), servername: 'localhost', ...extra })
        c.resume()
        await new Promise<void>((resolve) => {
          c.on('error', () => {})
          c.on('close', () => resolve())
        })
      }
      assert.deepEqual(principals, [`User:${certs.clientDn}`, 'User:ANONYMOUS'])
    } finally {
      server.close()
    }
  })
})

describe('TLS configuration errors', () => {
  const start = (extra: [string, string][]) => () => {
    const config = new BrokerConfig([['listeners', 'SSL://127.0.0.1:0'], ...extra])
    return listenerTls(config, 'SSL')
  }

  it('refuses JKS stores with the conversion to use', () => {
    // A JKS file starts with the magic number 0xFEEDFEED.
    const jks = join(dirname(certs.ca), 'broker.jks')
    writeFileSync(jks, Buffer.from('feedfeed000000020000000100000001', 'hex'))
    assert.throws(start([['ssl.keystore.location', jks]]), /ssl\.keystore\.type: store type JKS is not supported.*keytool -importkeystore/)
    assert.throws(start([['ssl.keystore.type', 'JKS'], ['ssl.keystore.location', jks]]), /store type JKS is not supported/)
    assert.throws(start([['ssl.keystore.type', 'BCFKS'], ['ssl.keystore.location', certs.serverP12]]), /store type BCFKS is not supported/)
  })

  it('reads a PKCS12 store under Kafka\'s default type JKS, as Java does; a PEM file there is named as PEM', () => {
    const p12 = start([['ssl.keystore.location', certs.serverP12], ['ssl.keystore.password', certs.p12Password],
      ['ssl.truststore.location', certs.caP12], ['ssl.truststore.password', certs.p12Password]])().options
    assert.ok(Buffer.isBuffer(p12.pfx))
    assert.ok(Array.isArray(p12.ca) && p12.ca.length === 1)
    assert.throws(start([['ssl.keystore.location', certs.serverKeystorePem]]), /ssl\.keystore\.type: store type JKS: the file holds PEM, so set ssl\.keystore\.type=PEM/)
  })

  it('serves a PKCS12 key store with legacy encryption (OpenSSL 1.1 / old keytool), which Java opens and node\'s OpenSSL 3 does not', async () => {
    const legacy = join(dirname(certs.ca), 'server-legacy.p12')
    await runProcess(requireTool('openssl'), ['pkcs12', '-export', '-legacy', '-inkey', certs.serverKey, '-in', certs.serverCert, '-certfile', certs.ca,
      '-out', legacy, '-passout', `pass:${certs.p12Password}`], { timeoutMs: 20_000 })
    const options = start([['ssl.keystore.type', 'PKCS12'], ['ssl.keystore.location', legacy], ['ssl.keystore.password', certs.p12Password]])().options
    const server = createServer(options, (s) => s.end())
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const port = (server.address() as { port: number }).port
      const client = tlsConnect({ port, host: '127.0.0.1', ca: readFileSync(certs.ca), servername: 'localhost' })
      await once(client, 'secureConnect')
      assert.equal(client.getPeerX509Certificate()?.fingerprint256, new X509Certificate(readFileSync(certs.serverCert)).fingerprint256)
      client.destroy()
    } finally {
      server.close()
    }
    assert.throws(start([['ssl.keystore.type', 'PKCS12'], ['ssl.keystore.location', legacy], ['ssl.keystore.password', 'wrong']]),
      /ssl\.keystore\.password: listener SSL: the TLS key store cannot be used/)
  })

  it('refuses a TLS listener without a key store', () => {
    assert.throws(start([]), /listener SSL uses TLS: set ssl\.keystore\.location/)
  })

  it('refuses a wrong PKCS12 password at start', () => {
    assert.throws(start([['ssl.keystore.type', 'PKCS12'], ['ssl.keystore.location', certs.serverP12], ['ssl.keystore.password', 'wrong']]),
      /ssl\.keystore\.password: listener SSL: the TLS key store cannot be used/)
  })

  it('refuses a PKCS12 trust store it cannot open, naming the password', () => {
    const pem: [string, string][] = [['ssl.keystore.type', 'PEM'], ['ssl.keystore.location', certs.serverKeystorePem], ['ssl.truststore.type', 'PKCS12'],
      ['ssl.truststore.location', certs.caP12]]
    assert.throws(start([...pem, ['ssl.truststore.password', 'wrong']]), /ssl\.truststore\.password: the password does not open this PKCS12 store/)
    assert.throws(start(pem), /ssl\.truststore\.location: the password does not open this PKCS12 store.*ssl\.truststore\.password is not set/)
    assert.throws(start([...pem.slice(0, 3), ['ssl.truststore.location', certs.ca], ['ssl.truststore.password', 'x']]),
      /ssl\.truststore\.password: not a readable PKCS12 store/)
    const ok = start([...pem, ['ssl.truststore.password', certs.p12Password]])().options.ca
    assert.ok(Array.isArray(ok) && ok.length === 1 && String(ok[0]).includes('BEGIN CERTIFICATE'))
  })

  it('wants inline key and chain together, and a trust store for client authentication', () => {
    assert.throws(start([['ssl.keystore.type', 'PEM'], ['listener.name.ssl.ssl.keystore.key', readFileSync(certs.serverKey, 'utf8')]]),
      /ssl\.keystore\.certificate\.chain: ssl\.keystore\.key and ssl\.keystore\.certificate\.chain are set together/)
    assert.throws(start([['ssl.keystore.type', 'PEM'], ['ssl.keystore.location', certs.serverKeystorePem], ['ssl.client.auth', 'required']]),
      /ssl\.client\.auth=required on listener SSL needs a trust store/)
  })

  it('rejects an unknown key under a listener prefix', () => {
    assert.throws(() => new BrokerConfig([['listeners', 'SSL://127.0.0.1:0'], ['listener.name.ssl.ssl.keystore.locaton', 'x']]),
      /listener\.name\.ssl\.ssl\.keystore\.locaton: unknown broker config \(did you mean ssl\.keystore\.location\?\)/)
  })
})
