// The README's "Securing Samsa" server.properties, as printed there, starts a broker once its paths
// point at generated certificates and its ports at free ones; its PLAIN user then logs in over
// SASL_SSL with kcat, and a client certificate is required on the MTLS listener.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseProperties } from '../../../src/broker/config/properties.ts'
import { makeTestCerts } from '../../helpers/certs.ts'
import { runKcat } from '../../helpers/run.ts'
import { startSecureBroker } from './secure-broker.ts'

const README = fileURLToPath(new URL('../../../README.md', import.meta.url))

test('the README\'s secured server.properties starts and serves its users', async () => {
  const text = readFileSync(README, 'utf8')
  const section = text.slice(text.indexOf('## Securing Samsa'))
  const block = /```properties\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(block, 'README has a properties block under "Securing Samsa"')
  const certs = makeTestCerts()
  const settings: Record<string, string> = {}
  for (const e of parseProperties(block)) settings[e.key] = e.value
  // Test machine: free loopback ports, the generated certificates, its own data directory.
  settings.listeners = settings.listeners.replace(/\/\/[^,]*:\d+/g, '//127.0.0.1:0')
  settings['advertised.listeners'] = settings['advertised.listeners'].replace(/\/\/[^,]*:\d+/g, '//127.0.0.1:0')
  settings['ssl.keystore.location'] = certs.serverKeystorePem
  settings['listener.name.mtls.ssl.truststore.location'] = certs.ca
  delete settings['log.dirs']
  const broker = await startSecureBroker(settings)
  try {
    const sasl = ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.ca}`, '-X', 'sasl.mechanisms=PLAIN',
      '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret']
    const meta = await runKcat(broker.bootstrap('SASL_SSL'), [...sasl, '-L', '-J'], { timeoutMs: 15_000 })
    assert.equal(JSON.parse(meta.stdout).brokers[0].name, broker.bootstrap('SASL_SSL'))
    const mtls = ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.ca}`,
      '-X', `ssl.certificate.location=${certs.clientCert}`, '-X', `ssl.key.location=${certs.clientKey}`]
    await runKcat(broker.bootstrap('MTLS'), [...mtls, '-L'], { timeoutMs: 15_000 })
  } finally {
    await broker.close()
  }
})
