// The CLI's pure helpers: Java .properties parsing, client options from Kafka property names,
// kcat-style templates, -o parsing and tables.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { clientOptionsFrom, parseProperties } from '../../../src/cli/kafka/properties.ts'
import { formatter, parseStartAt } from '../../../src/cli/kafka/consume.ts'
import { formatTable } from '../../../src/cli/kafka/common.ts'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { makeTestCerts } from '../../helpers/certs.ts'

test('properties: separators, comments, continuations, escapes', () => {
  const p = parseProperties('# comment\n! also\n a = 1\nb:2\nc 3\nd=x\\\n   y\ne=tab\\there\nf\n')
  assert.deepEqual([...p], [['a', '1'], ['b', '2'], ['c', '3'], ['d', 'xy'], ['e', 'tab\there'], ['f', '']])
})

test('client options from Kafka and librdkafka property names', () => {
  const { client, rest } = clientOptionsFrom(new Map([
    ['bootstrap.servers', 'h:1'], ['client.id', 'me'], ['request.timeout.ms', '5000'], ['retries', '2'],
    ['security.protocol', 'sasl_plaintext'], ['sasl.mechanism', 'PLAIN'],
    ['sasl.jaas.config', 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s\\"cret";'],
    ['group.id', 'g'],
  ]))
  assert.deepEqual(client, { bootstrapServers: 'h:1', clientId: 'me', requestTimeoutMs: 5000, retries: 2, sasl: { mechanism: 'PLAIN', username: 'alice', password: 's"cret' } })
  assert.deepEqual([...rest], [['group.id', 'g']])
  assert.throws(() => clientOptionsFrom(new Map([['security.protocol', 'SASL_SSL'], ['sasl.mechanism', 'GSSAPI']])), /sasl.mechanism=GSSAPI is not supported/)
  assert.throws(() => clientOptionsFrom(new Map([['retries', 'many']])), /retries=many is not a non-negative number/)
  assert.deepEqual(clientOptionsFrom(new Map([['security.protocol', 'SSL'], ['enable.ssl.certificate.verification', 'false']])).client.tls, { rejectUnauthorized: false })
})

test('Java store settings without a type (JKS, Kafka\'s default): a PKCS12 file is read as PKCS12, a JKS file refused in words', () => {
  const certs = makeTestCerts()
  const tls = clientOptionsFrom(new Map([['security.protocol', 'SSL'], ['ssl.truststore.location', certs.caP12], ['ssl.truststore.password', certs.p12Password],
    ['ssl.keystore.location', certs.serverP12], ['ssl.keystore.password', certs.p12Password]])).client.tls as { ca?: unknown, pfx?: unknown, cert?: unknown }
  assert.ok(Array.isArray(tls.ca) && tls.ca.length === 1 && String(tls.ca[0]).includes('BEGIN CERTIFICATE'))
  assert.ok(Buffer.isBuffer(tls.pfx) && tls.cert === undefined)
  const pem = clientOptionsFrom(new Map([['security.protocol', 'SSL'], ['ssl.truststore.location', certs.ca]])).client.tls as { ca?: unknown }
  assert.ok(Buffer.isBuffer(pem.ca))
  const jks = join(dirname(certs.ca), 'trust.jks')
  writeFileSync(jks, Buffer.from('feedfeed00000002', 'hex'))
  assert.throws(() => clientOptionsFrom(new Map([['security.protocol', 'SSL'], ['ssl.truststore.location', jks]])), /ssl\.truststore\.location is a JKS store/)
})

test('templates, -o and tables', () => {
  const m = { topic: 't', partition: 2, offset: 7, timestamp: 99, key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'a', value: Buffer.from('1') }] }
  assert.equal(formatter('%t/%p@%o %T %k=%s [%h] 100%%\\t.')(m), 't/2@7 99 k=v [a=1] 100%\t.')
  assert.equal(formatter('%k|%s')({ ...m, key: null, value: null }), '|')
  assert.deepEqual(parseStartAt('beginning'), { kind: 'beginning' })
  assert.deepEqual(parseStartAt('end'), { kind: 'end' })
  assert.deepEqual(parseStartAt('42'), { kind: 'offset', offset: 42 })
  assert.deepEqual(parseStartAt('@1700000000000'), { kind: 'timestamp', ms: 1700000000000 })
  assert.deepEqual(parseStartAt('@2026-01-02T00:00:00Z'), { kind: 'timestamp', ms: Date.UTC(2026, 0, 2) })
  assert.throws(() => parseStartAt('-3'), /-o '-3' is not/)
  assert.equal(formatTable(['A', 'LONGER'], [['xyz', null], [1, 2]]), 'A    LONGER\nxyz  -\n1    2\n')
})
