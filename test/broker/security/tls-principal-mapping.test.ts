// ssl.principal.mapping.rules on a broker: a client certificate's DN (CN=alice,OU=eng,O=Samsa Tests)
// is mapped by a listener's rules to User:alice, and an ACL for User:alice (created over the
// PLAINTEXT listener, whose User:ANONYMOUS is a super user) lets it describe a topic it could not
// before. On a listener whose rules do not apply to the DN the client is refused; a bad rule
// stops the start with the key named.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { CreateAclsResponse } from '../../../src/protocol/generated/messages/create-acls.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { Operation, PatternType, Permission, ResourceType } from '../../../src/broker/security/acl/acl.ts'
import { makeTestCerts } from '../../helpers/certs.ts'
import type { TestCerts } from '../../helpers/certs.ts'
import { retry } from '../../helpers/retry.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { startSecureBroker } from './secure-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

async function call<T>(c: RawClient, apiKey: number, version: number, body: unknown): Promise<T> {
  c.write(requestFrame(apiKey, version, 1, body))
  return decodeResponseFrame<T>(apiKey, version, await c.readFrame(10_000)).body
}

const describeTopic = (c: RawClient, topic: string) =>
  call<MetadataResponse>(c, ApiKey.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })

describe('ssl.principal.mapping.rules', () => {
  let certs: TestCerts
  let broker: SecureBroker
  before(async () => {
    certs = makeTestCerts()
    broker = await startSecureBroker({
      'listeners': 'PLAINTEXT://127.0.0.1:0,MTLS://127.0.0.1:0,STRICT://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,MTLS:SSL,STRICT:SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverKeystorePem,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.ca,
      'ssl.client.auth': 'required',
      'ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),OU=ServiceUsers,.*$/svc-$1/, RULE:^CN=([^,]*),OU=([^,]*),O=Samsa Tests$/$1/L, DEFAULT',
      'listener.name.strict.ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),OU=ServiceUsers,.*$/$1/',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
    })
  })
  after(async () => {
    await broker?.close()
  })

  const mtls = (listener: string) => RawClient.connectTls(broker.port(listener), {
    ca: readFileSync(certs.ca), servername: 'localhost', key: readFileSync(certs.clientKey), cert: readFileSync(certs.clientCert),
  })

  it('maps the certificate DN to User:alice, which an ACL then lets describe a topic', async () => {
    const admin = await RawClient.connect(broker.port('PLAINTEXT'))
    const alice = await mtls('MTLS')
    try {
      const created = await call<MetadataResponse>(admin, ApiKey.Metadata, 9, { topics: [{ name: 'mapped' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false })
      assert.equal(created.topics[0].errorCode, 0)
      assert.equal((await describeTopic(alice, 'mapped')).topics[0].errorCode, 29) // TOPIC_AUTHORIZATION_FAILED
      const acl = await call<CreateAclsResponse>(admin, ApiKey.CreateAcls, 3, { creations: [{
        resourceType: ResourceType.TOPIC, resourceName: 'mapped', resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*',
        operation: Operation.DESCRIBE, permissionType: Permission.ALLOW,
      }] })
      assert.equal(acl.results[0].errorCode, 0)
      // ACLs apply through a watched copy of the store: ask until the new one is seen.
      const seen = await retry(() => describeTopic(alice, 'mapped'), (r) => r.topics[0].errorCode === 0)
      assert.equal(seen.topics[0].errorCode, 0)
      assert.equal(seen.topics[0].name, 'mapped')
    } finally {
      admin.destroy()
      alice.destroy()
    }
  })

  it('refuses a client whose DN no rule of its listener applies to', async () => {
    const c = await mtls('STRICT')
    try {
      c.write(requestFrame(ApiKey.Metadata, 9, 1, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }))
      assert.equal(await c.closesWithin(10_000), true)
    } finally {
      c.destroy()
    }
  })

  it('stops the start on a rule it cannot read, naming the key', async () => {
    await assert.rejects(startSecureBroker({
      'listeners': 'SSL://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverKeystorePem,
      'listener.name.ssl.ssl.principal.mapping.rules': 'RULE:^CN=(.*)$/$1',
    }), /listener\.name\.ssl\.ssl\.principal\.mapping\.rules: Invalid rule/)
  })
})
