// ACLs with KafkaJS over SASL_PLAINTEXT (PLAIN users), authorizer.class.name set to Kafka's
// StandardAuthorizer and User:admin a super user: a principal without ACLs is refused; after
// CreateAcls it may, after DeleteAcls it may not again; DENY beats ALLOW; PREFIXED patterns;
// consumer groups guarded; Metadata hides topics the principal may not describe; cluster APIs
// (elections, reassignments, transaction markers) need the cluster permission.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import kafkajs from 'kafkajs'
import type { Kafka } from 'kafkajs'
import { runKafkaJs } from '../../helpers/kafkajs.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { FindCoordinatorResponse } from '../../../src/protocol/generated/messages/find-coordinator.ts'
import type { ElectLeadersResponse } from '../../../src/protocol/generated/messages/elect-leaders.ts'
import type { AlterPartitionReassignmentsResponse } from '../../../src/protocol/generated/messages/alter-partition-reassignments.ts'
import type { ListPartitionReassignmentsResponse } from '../../../src/protocol/generated/messages/list-partition-reassignments.ts'
import type { WriteTxnMarkersResponse } from '../../../src/protocol/generated/messages/write-txn-markers.ts'
import { rawAs as rawSasl } from './raw-sasl.ts'
import { startAclBroker } from './acl-broker.ts'
import type { SecureBroker } from './secure-broker.ts'

// kafkajs is CommonJS: its enums come through the default export.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs
type Enum<T> = T[keyof T]


describe('ACLs', () => {
  let broker: SecureBroker
  before(async () => {
    broker = await startAclBroker(['admin', 'alice', 'bob'])
  })
  after(async () => {
    await broker?.close()
  })

  const as = <T>(user: string, fn: (kafka: Kafka) => Promise<T>) => runKafkaJs([broker.bootstrap('SASL_PLAINTEXT')], fn,
    { timeoutMs: 15_000, config: { sasl: { mechanism: 'plain', username: user, password: `${user}-pw` }, retry: { retries: 0 } } }).then((r) => r.value)

  const admin = <T>(fn: (a: ReturnType<Kafka['admin']>) => Promise<T>) => as('admin', async (kafka) => {
    const a = kafka.admin()
    await a.connect()
    try {
      return await fn(a)
    } finally {
      await a.disconnect()
    }
  })

  const produce = (user: string, topic: string) => as(user, async (kafka) => {
    const p = kafka.producer({ allowAutoTopicCreation: false })
    await p.connect()
    try {
      await p.send({ topic, messages: [{ value: `from ${user}` }] })
      return 'ok'
    } catch (err) {
      return reason(err)
    } finally {
      await p.disconnect()
    }
  })

  /** KafkaJS reports a Metadata refusal as KafkaJSTopicAuthorizationFailed, others by Kafka's error name. */
  const reason = (err: unknown): string => {
    const e = err as { type?: string, name?: string, message?: string }
    if (e.name === 'KafkaJSTopicAuthorizationFailed' || /Not authorized to access topics/.test(e.message ?? '')) return 'TOPIC_AUTHORIZATION_FAILED'
    return e.type ?? e.message ?? String(err)
  }

  /** One request as `user` over a raw connection (KafkaJS hides some error codes). */
  const rawAs = <T>(user: string, apiKey: number, version: number, body: unknown): Promise<T> => rawSasl<T>(broker.port('SASL_PLAINTEXT'), user, apiKey, version, body)

  /** FindCoordinator for a group as `user`. */
  const findCoordinator = async (user: string, group: string): Promise<number> =>
    (await rawAs<FindCoordinatorResponse>(user, ApiKey.FindCoordinator, 3, { key: group, keyType: 0 })).errorCode

  const acl = (principal: string, resourceType: Enum<typeof AclResourceTypes>, resourceName: string, operation: Enum<typeof AclOperationTypes>,
    permissionType = AclPermissionTypes.ALLOW, resourcePatternType = ResourcePatternTypes.LITERAL) =>
    ({ principal, host: '*', resourceType, resourceName, resourcePatternType, operation, permissionType })

  before(async () => {
    await admin((a) => a.createTopics({ topics: [{ topic: 'orders' }, { topic: 'orders-eu' }, { topic: 'secret' }] }))
  })

  it('refuses a principal without ACLs, allows it after CreateAcls, refuses it again after DeleteAcls', async () => {
    assert.equal(await produce('alice', 'orders'), 'TOPIC_AUTHORIZATION_FAILED')
    await admin((a) => a.createAcls({ acl: [acl('User:alice', AclResourceTypes.TOPIC, 'orders', AclOperationTypes.WRITE)] }))
    assert.equal(await produce('alice', 'orders'), 'ok')
    assert.equal(await produce('bob', 'orders'), 'TOPIC_AUTHORIZATION_FAILED')
    const described = await admin((a) => a.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }))
    assert.deepEqual(described.resources.map((r) => [r.resourceName, r.acls.map((x) => x.principal)]), [['orders', ['User:alice']]])
    const deleted = await admin((a) => a.deleteAcls({ filters: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 'orders',
      resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] }))
    assert.equal(deleted.filterResponses[0].matchingAcls.length, 1)
    assert.equal(await produce('alice', 'orders'), 'TOPIC_AUTHORIZATION_FAILED')
  })

  it('lets PREFIXED patterns match and DENY beat ALLOW', async () => {
    await admin((a) => a.createAcls({ acl: [
      acl('User:*', AclResourceTypes.TOPIC, 'orders', AclOperationTypes.WRITE, AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED),
      acl('User:bob', AclResourceTypes.TOPIC, 'orders-eu', AclOperationTypes.ALL, AclPermissionTypes.DENY),
    ] }))
    assert.equal(await produce('alice', 'orders-eu'), 'ok')
    assert.equal(await produce('bob', 'orders'), 'ok')
    assert.equal(await produce('bob', 'orders-eu'), 'TOPIC_AUTHORIZATION_FAILED')
    assert.equal(await produce('alice', 'secret'), 'TOPIC_AUTHORIZATION_FAILED')
  })

  it('hides topics a principal may not describe from Metadata', async () => {
    const topics = await as('bob', async (kafka) => {
      const a = kafka.admin()
      await a.connect()
      try {
        return (await a.listTopics()).sort()
      } finally {
        await a.disconnect()
      }
    })
    // WRITE implies DESCRIBE; the DENY ALL on orders-eu hides it; secret has no ACL for bob.
    assert.deepEqual(topics, ['orders'])
  })

  it('guards consumer groups: READ on the topic is not enough without READ on the group', async () => {
    await admin((a) => a.createAcls({ acl: [acl('User:alice', AclResourceTypes.TOPIC, 'orders', AclOperationTypes.READ)] }))
    const consume = (group: string) => as('alice', async (kafka) => {
      const c = kafka.consumer({ groupId: group, retry: { retries: 0 } })
      try {
        await c.connect()
        await c.subscribe({ topic: 'orders', fromBeginning: true })
        const first = new Promise<string>((resolve, reject) => {
          c.on(c.events.CRASH, (e) => reject(e.payload.error))
          void c.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') }).catch(reject)
        })
        return await first
      } catch (err) {
        return reason(err)
      } finally {
        await c.disconnect()
      }
    })
    assert.equal(await findCoordinator('alice', 'alice-group'), 30) // GROUP_AUTHORIZATION_FAILED
    assert.match(await consume('alice-group'), /group coordinator/)
    await admin((a) => a.createAcls({ acl: [acl('User:alice', AclResourceTypes.GROUP, 'alice-', AclOperationTypes.READ, AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED)] }))
    assert.equal(await findCoordinator('alice', 'alice-group'), 0)
    assert.match(await consume('alice-group'), /^from (alice|bob)$/)
  })

  it('refuses ACL changes from a principal without ALTER on the cluster', async () => {
    const r = await as('bob', async (kafka) => {
      const a = kafka.admin()
      await a.connect()
      try {
        await a.createAcls({ acl: [acl('User:bob', AclResourceTypes.TOPIC, 'secret', AclOperationTypes.ALL)] })
        return 'created'
      } catch (err) {
        return reason(err)
      } finally {
        await a.disconnect()
      }
    })
    assert.equal(r, 'CLUSTER_AUTHORIZATION_FAILED')
  })

  it('refuses elections, reassignments and transaction markers without the cluster permission', async () => {
    const CLUSTER_AUTHORIZATION_FAILED = 31
    const elect = await rawAs<ElectLeadersResponse>('bob', ApiKey.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: 'orders', partitions: [0] }], timeoutMs: 1000 })
    assert.equal(elect.errorCode, CLUSTER_AUTHORIZATION_FAILED)
    assert.deepEqual(elect.replicaElectionResults[0].partitionResult.map((p) => p.errorCode), [CLUSTER_AUTHORIZATION_FAILED])
    const alter = await rawAs<AlterPartitionReassignmentsResponse>('bob', ApiKey.AlterPartitionReassignments, 0,
      { timeoutMs: 1000, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, replicas: [1] }] }] })
    assert.equal(alter.errorCode, CLUSTER_AUTHORIZATION_FAILED)
    const list = (user: string) => rawAs<ListPartitionReassignmentsResponse>(user, ApiKey.ListPartitionReassignments, 0, { timeoutMs: 1000, topics: null })
    assert.equal((await list('bob')).errorCode, CLUSTER_AUTHORIZATION_FAILED)
    assert.equal((await list('admin')).errorCode, 0)
    const markers = await rawAs<WriteTxnMarkersResponse>('bob', ApiKey.WriteTxnMarkers, 1, { markers: [{ producerId: 7n, producerEpoch: 0,
      transactionResult: true, topics: [{ name: 'orders', partitionIndexes: [0] }], coordinatorEpoch: 0 }] })
    assert.deepEqual(markers.markers[0].topics[0].partitions.map((p) => p.errorCode), [CLUSTER_AUTHORIZATION_FAILED])
  })
})
