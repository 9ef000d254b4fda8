// The broker of the ACL tests: one SASL_PLAINTEXT listener with SASL/PLAIN users whose password is
// `<user>-pw` (as raw-sasl.ts logs in), the StandardAuthorizer, and User:admin as super user.
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

export async function startAclBroker(users: readonly string[], extra: Record<string, string> = {}): Promise<SecureBroker> {
  const jaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${users.map((u) => `user_${u}="${u}-pw"`).join(' ')};`
  return startSecureBroker({
    'listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': jaas,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin',
    ...extra,
  })
}
