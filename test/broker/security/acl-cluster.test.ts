// ACLs are shared by a cluster's brokers through the metadata store: a DENY created through one
// broker hides a topic on another once that broker's watched copy has it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { CreateAclsResponse } from '../../../src/protocol/generated/messages/create-acls.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { startCluster } from '../../../src/broker/embedded-cluster.ts'
import { Operation, PatternType, Permission, ResourceType } from '../../../src/broker/security/acl/acl.ts'
import { retry } from '../../helpers/retry.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'

async function call<T>(port: number, apiKey: number, version: number, body: unknown): Promise<T> {
  const c = await RawClient.connect(port)
  try {
    c.write(requestFrame(apiKey, version, 1, body))
    return decodeResponseFrame<T>(apiKey, version, await c.readFrame()).body
  } finally {
    c.destroy()
  }
}

const describeTopic = (port: number, topic: string) =>
  call<MetadataResponse>(port, ApiKey.Metadata, 9, { topics: [{ name: topic, topicId: '' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false })

test('an ACL created through one broker applies on another', async () => {
  // No ACL on a resource leaves it open, so the brokers (User:ANONYMOUS on PLAINTEXT) replicate freely.
  const cluster = await startCluster({ brokers: 2, config: {
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'allow.everyone.if.no.acl.found': true,
  } })
  try {
    assert.equal((await describeTopic(cluster.broker(1).port, 'hidden')).topics[0].errorCode, 0)
    const created = await call<CreateAclsResponse>(cluster.broker(0).port, ApiKey.CreateAcls, 3, { creations: [{
      resourceType: ResourceType.TOPIC, resourceName: 'hid', resourcePatternType: PatternType.PREFIXED, principal: 'User:ANONYMOUS', host: '*',
      operation: Operation.DESCRIBE, permissionType: Permission.DENY,
    }] })
    assert.equal(created.results[0].errorCode, 0)
    const seen = await retry(() => describeTopic(cluster.broker(1).port, 'hidden'), (r) => r.topics[0].errorCode !== 0)
    assert.equal(seen.topics[0].errorCode, 29) // TOPIC_AUTHORIZATION_FAILED
  } finally {
    await cluster.close()
  }
})
