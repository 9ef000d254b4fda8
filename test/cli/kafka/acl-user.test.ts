// `samsa user` and `samsa acl` against a broker with SASL and Kafka's authorizer, checked with a
// real client: the CLI (as the PLAIN super user) creates a SCRAM user; kcat logs in as it and is
// refused the topic until `samsa acl create` allows writing, and again after `samsa acl delete`;
// after `samsa user delete` the login itself fails.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startSecureBroker } from '../../broker/security/secure-broker.ts'
import { requireTool } from '../../helpers/tools.ts'
import { runProcess } from '../../helpers/run.ts'
import { ok, okJson, samsa } from './helpers.ts'

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-pw";'

test('samsa user create|list|delete and acl create|list|delete, as kcat sees them', { timeout: 120_000 }, async () => {
  const broker = await startSecureBroker({
    'listeners': 'SASL_PLAINTEXT://127.0.0.1:0',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin',
    'auto.create.topics.enable': 'false',
  })
  const b = broker.bootstrap('SASL_PLAINTEXT')
  const admin = ['-b', b, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanism=PLAIN', '-X', 'sasl.username=admin', '-X', 'sasl.password=admin-pw']
  const erinWrites = async (): Promise<{ code: number | null, stderr: string }> => {
    const r = await runProcess(requireTool('kcat'), ['-b', b, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256',
      '-X', 'sasl.username=erin', '-X', 'sasl.password=erin-pw', '-P', '-t', 'secured', '-p', '0', '-m', '10'], { input: 'hello\n', timeoutMs: 30_000 })
    return { code: r.code, stderr: r.stderr }
  }
  try {
    await ok(['topic', 'create', 'secured', '-p', '1', ...admin])
    assert.equal(await ok(['user', 'create', 'erin', '--password', 'erin-pw', ...admin]), 'created SCRAM-SHA-256 credentials for erin\n')
    assert.deepEqual(await okJson(['user', 'list', ...admin]), [{ user: 'erin', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }] }])
    // Logged in, but no ACL allows erin to write.
    const refused = await erinWrites()
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /authoriz/i)
    assert.equal(await ok(['acl', 'create', '--allow', '--principal', 'User:erin', '-o', 'write,describe', '--topic', 'secured', ...admin]), 'created 2 ACLs\n')
    const listed = await okJson<{ principal: string, operation: string, permission: string, resourceType: string, resourceName: string, patternType: string }[]>(
      ['acl', 'list', '--principal', 'User:erin', ...admin])
    assert.deepEqual(listed.map((a) => [a.operation, a.permission, a.resourceType, a.resourceName, a.patternType]).sort(),
      [['DESCRIBE', 'ALLOW', 'TOPIC', 'secured', 'LITERAL'], ['WRITE', 'ALLOW', 'TOPIC', 'secured', 'LITERAL']])
    assert.match(await ok(['acl', 'list', '--topic', 'secured', ...admin]), /^PRINCIPAL +HOST +OPERATION.*\nUser:erin +\* +(WRITE|DESCRIBE) +ALLOW +TOPIC +secured +LITERAL/)
    const allowed = await erinWrites()
    assert.equal(allowed.code, 0, allowed.stderr)
    assert.equal(await ok(['acl', 'delete', '--principal', 'User:erin', ...admin]), 'deleted 2 ACLs\n')
    assert.deepEqual(await okJson(['acl', 'list', ...admin]), [])
    assert.notEqual((await erinWrites()).code, 0)
    assert.equal(await ok(['user', 'delete', 'erin', ...admin]), 'deleted SCRAM-SHA-256 credentials of erin\n')
    assert.deepEqual(await okJson(['user', 'list', ...admin]), [])
    assert.match((await erinWrites()).stderr, /authentication|SASL/i)
    // Bad input: one line, exit 1.
    const noResource = await samsa(['acl', 'create', '--allow', '--principal', 'User:x', '-o', 'read', ...admin])
    assert.deepEqual([noResource.code, noResource.stderr], [1, 'samsa acl create: name the resource: --topic, --group, --transactional-id or --cluster\n'])
    const badOp = await samsa(['acl', 'create', '--allow', '--principal', 'User:x', '-o', 'juggle', '--topic', 't', ...admin])
    assert.equal(badOp.code, 1)
    assert.match(badOp.stderr, /^samsa acl create: unknown ACL operation 'JUGGLE'/)
    const everything = await samsa(['acl', 'delete', ...admin])
    assert.deepEqual([everything.code, everything.stderr], [1, 'samsa acl delete: name a resource or a --principal to delete ACLs of\n'])
  } finally {
    await broker.close()
  }
})
