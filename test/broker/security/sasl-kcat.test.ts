// kcat (librdkafka 2.0.2) over SASL_SSL with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (a user name
// that needs SCRAM escaping too); wrong passwords and unknown users refused with Kafka's messages.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestCerts } from '../../helpers/certs.ts'
import { runKcat, runProcess } from '../../helpers/run.ts'
import { requireTool } from '../../helpers/tools.ts'
import type { SecureBroker } from './secure-broker.ts'
import { startSaslBroker } from './sasl-fixture.ts'

describe('kcat over SASL_SSL', () => {
  let certs: TestCerts
  let broker: SecureBroker
  before(async () => {
    ({ certs, broker } = await startSaslBroker())
  })
  after(async () => {
    await broker?.close()
  })

  const kcatSasl = (mechanism: string, user: string, password: string) => ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.ca}`,
    '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`]

  for (const [mechanism, user, password] of [['PLAIN', 'alice', 'alice-secret'], ['SCRAM-SHA-256', 'carol', 'carol-256'],
    ['SCRAM-SHA-512', 'carol', 'carol-512'], ['SCRAM-SHA-256', 'dave,=x', 'dave-256']] as const) {
    it(`kcat over SASL_SSL with ${mechanism} (${user})`, async () => {
      const topic = `kcat-${mechanism.toLowerCase()}-${user.length}`
      const args = kcatSasl(mechanism, user, password)
      await runKcat(broker.bootstrap('SASL_SSL'), [...args, '-P', '-t', topic, '-p', '0'], { input: 'one\ntwo\nthree\n', timeoutMs: 15_000 })
      const got = await runKcat(broker.bootstrap('SASL_SSL'), [...args, '-C', '-t', topic, '-p', '0', '-e', '-q', '-o', 'beginning'], { timeoutMs: 15_000 })
      assert.deepEqual(got.stdout.split('\n').filter(Boolean), ['one', 'two', 'three'])
    })
  }

  it('kcat with a wrong password or an unknown user is refused with Kafka\'s message', async () => {
    const cases: Promise<void>[] = []
    for (const [mechanism, user, password, message] of [
      ['PLAIN', 'alice', 'wrong', /Authentication failed: Invalid username or password/],
      ['SCRAM-SHA-256', 'carol', 'carol-512', /Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/],
      ['SCRAM-SHA-512', 'nobody', 'x', /invalid credentials with SASL mechanism SCRAM-SHA-512/],
    ] as const) {
      cases.push(runProcess(requireTool('kcat'), ['-b', broker.bootstrap('SASL_SSL'), ...kcatSasl(mechanism, user, password), '-L', '-m', '2'], { timeoutMs: 15_000 })
        .then((r) => {
          assert.notEqual(r.code, 0, `${mechanism} ${user}: ${r.stdout}`)
          assert.match(r.stderr, message)
        }))
    }
    await Promise.all(cases)
  })
})
