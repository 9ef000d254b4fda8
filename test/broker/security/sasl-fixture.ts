// The SASL test broker: PLAINTEXT, SASL_SSL and SASL_PLAINTEXT listeners offering PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512; PLAIN users from the per-listener JAAS entries, SCRAM users
// created with AlterUserScramCredentials over the plaintext listener (as kafka-configs.sh would).
import { makeTestCerts } from '../../helpers/certs.ts'
import type { TestCerts } from '../../helpers/certs.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'
import { addScramUsers } from './scram-admin.ts'

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob secret";'

export async function startSaslBroker(): Promise<{ certs: TestCerts, broker: SecureBroker }> {
  const certs = makeTestCerts()
  const broker = await startSecureBroker({
    'listeners': 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.serverKeystorePem,
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': PLAIN_JAAS,
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
  })
  try {
    await addScramUsers(broker.port('PLAINTEXT'), [
      { user: 'carol', password: 'carol-256', mechanism: 'SCRAM-SHA-256' },
      { user: 'carol', password: 'carol-512', mechanism: 'SCRAM-SHA-512' },
      { user: 'dave,=x', password: 'dave-256', mechanism: 'SCRAM-SHA-256' },
    ])
  } catch (err) {
    await broker.close()
    throw err
  }
  return { certs, broker }
}
