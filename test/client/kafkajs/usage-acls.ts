// KafkaJS-style ACL administration (createAcls, describeAcls, deleteAcls and their enums) against a
// broker with Kafka's authorizer on, run against the real KafkaJS and the facade with the same
// assertions.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type * as KafkaJs from 'kafkajs'
import { testBroker } from '../helpers.ts'
import type { Broker } from '../../../src/broker/index.ts'

export type KafkaJsAclLike = Pick<typeof KafkaJs, 'Kafka' | 'logLevel' | 'AclResourceTypes' | 'AclOperationTypes' | 'AclPermissionTypes' | 'ResourcePatternTypes'>

export function kafkaJsAclCases(label: string, lib: KafkaJsAclLike): void {
  const { Kafka, logLevel, AclResourceTypes: R, AclOperationTypes: O, AclPermissionTypes: P, ResourcePatternTypes: PT } = lib

  describe(`KafkaJS ACL administration (${label})`, { timeout: 30_000 }, () => {
    let broker: Broker
    let admin: KafkaJs.Admin

    before(async () => {
      // PLAINTEXT clients are User:ANONYMOUS: a super user, so the admin may manage ACLs.
      broker = await testBroker({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' })
      const kafka = new Kafka({ clientId: 'acls', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } })
      admin = kafka.admin()
      await admin.connect()
    })
    after(async () => {
      await admin?.disconnect()
      await broker?.close()
    })

    it('create, describe (literal and MATCH), delete by filter', { timeout: 20_000 }, async () => {
      const created = await admin.createAcls({
        acl: [
          { resourceType: R.TOPIC, resourceName: 'orders', resourcePatternType: PT.LITERAL, principal: 'User:alice', host: '*', operation: O.READ, permissionType: P.ALLOW },
          { resourceType: R.TOPIC, resourceName: 'ord', resourcePatternType: PT.PREFIXED, principal: 'User:bob', host: '*', operation: O.WRITE, permissionType: P.ALLOW },
          { resourceType: R.GROUP, resourceName: 'billing', resourcePatternType: PT.LITERAL, principal: 'User:alice', host: '10.0.0.1', operation: O.READ, permissionType: P.DENY },
        ],
      })
      assert.equal(created, true)

      const alice = await admin.describeAcls({ resourceType: R.ANY, resourcePatternType: PT.ANY, principal: 'User:alice', operation: O.ANY, permissionType: P.ANY })
      const byName = new Map(alice.resources.map((r) => [r.resourceName, r]))
      assert.equal(alice.resources.length, 2)
      assert.deepEqual({ ...byName.get('orders')!, acls: byName.get('orders')!.acls.map((a) => ({ ...a })) }, {
        resourceType: R.TOPIC, resourceName: 'orders', resourcePatternType: PT.LITERAL,
        acls: [{ principal: 'User:alice', host: '*', operation: O.READ, permissionType: P.ALLOW }],
      })
      assert.deepEqual(byName.get('billing')!.acls.map((a) => [a.host, a.permissionType]), [['10.0.0.1', P.DENY]])

      // MATCH: every binding that applies to the topic 'orders' — the literal one and the prefix 'ord'.
      const matching = await admin.describeAcls({ resourceType: R.TOPIC, resourceName: 'orders', resourcePatternType: PT.MATCH, operation: O.ANY, permissionType: P.ANY })
      assert.deepEqual(matching.resources.map((r) => `${r.resourceName}/${r.resourcePatternType}`).sort(), [`ord/${PT.PREFIXED}`, `orders/${PT.LITERAL}`])

      const deleted = await admin.deleteAcls({
        filters: [
          { resourceType: R.ANY, resourcePatternType: PT.ANY, principal: 'User:bob', operation: O.ANY, permissionType: P.ANY },
          { resourceType: R.CLUSTER, resourcePatternType: PT.ANY, operation: O.ANY, permissionType: P.ANY },
        ],
      })
      assert.equal(deleted.filterResponses.length, 2)
      assert.equal(deleted.filterResponses[0]!.errorCode, 0)
      assert.deepEqual(deleted.filterResponses[0]!.matchingAcls.map((a) => [a.resourceName, a.resourcePatternType, a.principal, a.operation, a.errorCode]), [['ord', PT.PREFIXED, 'User:bob', O.WRITE, 0]])
      assert.equal(deleted.filterResponses[1]!.matchingAcls.length, 0)
      const left = await admin.describeAcls({ resourceType: R.ANY, resourcePatternType: PT.ANY, operation: O.ANY, permissionType: P.ANY })
      assert.deepEqual(left.resources.map((r) => r.resourceName).sort(), ['billing', 'orders'])
    })

    it('bad arguments are refused before anything is sent', async () => {
      const bad = (acl: Record<string, unknown>) => admin.createAcls({ acl: [acl as never] }).then(() => null, (e: Error) => e)
      const base = { resourceType: R.TOPIC, resourceName: 't', resourcePatternType: PT.LITERAL, principal: 'User:x', host: '*', operation: O.READ, permissionType: P.ALLOW }
      for (const wrong of [{ operation: 99 }, { permissionType: 42 }, { resourcePatternType: 17 }, { principal: 5 }, { host: undefined }]) {
        const e = await bad({ ...base, ...wrong })
        assert.ok(e !== null, `accepted ${JSON.stringify(wrong)}`)
        assert.equal(e.name, 'KafkaJSNonRetriableError')
      }
      const none = await admin.describeAcls({ resourceType: R.ANY, resourcePatternType: PT.ANY, principal: 'User:x', operation: O.ANY, permissionType: P.ANY })
      assert.deepEqual(none.resources, [])
    })
  })
}
