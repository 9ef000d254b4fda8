// A TLS listener's key store replaced without a restart, as Kafka allows: IncrementalAlterConfigs
// on this broker (through its PLAINTEXT listener, with Samsa's Admin) sets
// listener.name.ssl.ssl.keystore.location to a certificate from another CA. kcat trusting only
// that CA is refused before and connects after; a TLS connection opened before keeps working;
// a key store with a wrong password, a changed subject DN (PEM or PKCS12), or the cluster-default resource is
// refused (INVALID_REQUEST / INVALID_CONFIG) and the listener keeps the certificate it had; the
// new key store outlives a restart (persisted with the dynamic broker configs).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { makeReplacementServerCert, makeTestCerts } from '../../helpers/certs.ts'
import type { ReplacementCert, TestCerts } from '../../helpers/certs.ts'
import { requireTool } from '../../helpers/tools.ts'
import { runProcess } from '../../helpers/run.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'
import { Admin } from '../../../src/client/index.ts'
import { KafkaError } from '../../../src/client/errors.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import type { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'

let certs: TestCerts
let second: ReplacementCert
let renamed: ReplacementCert
let broker: SecureBroker
let admin: Admin
const dataDir = makeTempDir('samsa-tls-reload-')
const settings = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL',
  'inter.broker.listener.name': 'PLAINTEXT',
  'listener.name.ssl.ssl.keystore.type': 'PEM',
  'listener.name.ssl.ssl.keystore.location': '',
}

before(async () => {
  certs = makeTestCerts()
  second = makeReplacementServerCert(certs, 'second')
  renamed = makeReplacementServerCert(certs, 'renamed', 'broker.other')
  settings['listener.name.ssl.ssl.keystore.location'] = certs.serverKeystorePem
  broker = await startSecureBroker(settings, undefined, dataDir)
  admin = new Admin({ bootstrapServers: broker.bootstrap('PLAINTEXT') })
})
after(async () => {
  await admin?.close()
  await broker?.close()
  removeTempDir(dataDir)
})

/** kcat's metadata request over the SSL listener, trusting only `ca`. */
async function kcatTrusting(ca: string, expectFailure = false): Promise<{ ok: boolean, output: string }> {
  // A refused certificate makes kcat retry until its metadata timeout: short when that is expected.
  const r = await runProcess(requireTool('kcat'), ['-b', broker.bootstrap('SSL'), '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${ca}`,
    '-L', '-m', expectFailure ? '1' : '5'], { timeoutMs: 15_000 })
  return { ok: r.code === 0 && /broker/.test(r.stdout), output: r.stdout + r.stderr }
}

const setOps = (entries: Record<string, string>) => Object.entries(entries).map(([name, value]) => ({ name, value }))

async function answersApiVersions(c: RawClient, id: number): Promise<void> {
  c.write(requestFrame(ApiKey.ApiVersions, 3, id, defaultApiVersionsRequest()))
  assert.equal((await c.readFrame()).readInt32BE(0), id)
}

test('a key store set through IncrementalAlterConfigs serves new connections; open ones keep working', async () => {
  assert.equal((await kcatTrusting(second.ca, true)).ok, false)
  assert.equal((await kcatTrusting(certs.ca)).ok, true)
  const before = await RawClient.connectTls(broker.port('SSL'), { ca: [readFileSync(certs.ca)], servername: 'localhost' })
  await answersApiVersions(before, 1)

  await admin.alterConfigs('broker', '1', setOps({ 'listener.name.ssl.ssl.keystore.location': second.keystorePem }))
  // DescribeConfigs on the broker lists listener-prefixed keys as Kafka does (kafka-configs --describe shows the reload).
  const described = await admin.describeConfigs('broker', '1')
  const entry = (name: string) => described.find((c) => c.name === name)
  assert.deepEqual([entry('listener.name.ssl.ssl.keystore.location')?.value, entry('listener.name.ssl.ssl.keystore.location')?.source],
    [second.keystorePem, 2], 'DYNAMIC_BROKER_CONFIG')
  assert.deepEqual([entry('listener.name.ssl.ssl.keystore.type')?.value, entry('listener.name.ssl.ssl.keystore.type')?.source], ['PEM', 4], 'STATIC_BROKER_CONFIG')

  const after = await kcatTrusting(second.ca)
  assert.equal(after.ok, true, after.output)
  assert.equal((await kcatTrusting(certs.ca, true)).ok, false)
  await answersApiVersions(before, 2)
  before.destroy()
})

test('a key store that cannot be used is refused and the listener keeps its certificate', async () => {
  const refusal = async (entries: Record<string, string>) => {
    const err = await admin.alterConfigs('broker', '1', setOps(entries)).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof KafkaError, `expected a refusal, got ${String(err)}`)
    return err
  }
  const wrongPassword = await refusal({
    'listener.name.ssl.ssl.keystore.type': 'PKCS12', 'listener.name.ssl.ssl.keystore.location': second.p12, 'listener.name.ssl.ssl.keystore.password': 'not-the-password',
  })
  assert.equal(wrongPassword.code, ErrorCode.INVALID_REQUEST)
  assert.match(wrongPassword.message, /SSLFactory.*listener SSL.*ssl\.keystore\.password/)
  const missing = await refusal({ 'listener.name.ssl.ssl.keystore.location': `${certs.dir}/no-such-store.pem` })
  assert.equal(missing.code, ErrorCode.INVALID_REQUEST)
  const dnChange = await refusal({ 'listener.name.ssl.ssl.keystore.location': renamed.keystorePem })
  assert.match(dnChange.message, /DistinguishedName does not match/)
  // Key stores are per broker, as in Kafka: not at the cluster-default level (resource name "",
  // which the Admin cannot address: a raw request).
  const raw = await RawClient.connect(broker.port('PLAINTEXT'))
  raw.write(requestFrame(ApiKey.IncrementalAlterConfigs, 1, 9, { validateOnly: false, resources: [{ resourceType: 4, resourceName: '',
    configs: [{ name: 'listener.name.ssl.ssl.keystore.location', configOperation: 0, value: second.keystorePem }] }] }))
  const clusterWide = decodeResponseFrame<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, await raw.readFrame())
  raw.destroy()
  assert.equal(clusterWide.body.responses[0].errorCode, ErrorCode.INVALID_CONFIG)
  assert.match(clusterWide.body.responses[0].errorMessage ?? '', /give the broker id/)
  // The certificate from the first test still serves.
  assert.equal((await kcatTrusting(second.ca)).ok, true)
  // The right password works (PKCS12 from the same CA and subject).
  await admin.alterConfigs('broker', '1', setOps({
    'listener.name.ssl.ssl.keystore.type': 'PKCS12', 'listener.name.ssl.ssl.keystore.location': second.p12, 'listener.name.ssl.ssl.keystore.password': second.p12Password,
  }))
  assert.equal((await kcatTrusting(second.ca)).ok, true)
  // A PKCS12 store with another subject is refused like a PEM one (its certificate read from the store).
  const p12DnChange = await refusal({ 'listener.name.ssl.ssl.keystore.location': renamed.p12, 'listener.name.ssl.ssl.keystore.password': renamed.p12Password })
  assert.match(p12DnChange.message, /DistinguishedName does not match.*CN=localhost.*CN=broker\.other/)
  assert.equal((await kcatTrusting(second.ca)).ok, true)
})

test('the key store set at runtime survives a restart', async () => {
  await admin.close()
  await broker.close()
  broker = await startSecureBroker(settings, undefined, dataDir)
  admin = new Admin({ bootstrapServers: broker.bootstrap('PLAINTEXT') })
  const r = await kcatTrusting(second.ca)
  assert.equal(r.ok, true, r.output)
})
