// The remaining ACL checks, over raw requests as a SASL PLAIN user (exact error codes): configs
// per resource (topic / cluster), DeleteRecords, CreatePartitions, the group APIs (DescribeGroups,
// ListGroups, LeaveGroup, DeleteGroups, OffsetDelete), DescribeLogDirs, DescribeProducers,
// DescribeTransactions, DescribeTopicPartitions; and the KIP-430 authorized-operations bitfields in Metadata,
// DescribeGroups and DescribeCluster, computed from the principal's ACLs.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { ZERO_UUID } from '../../../src/protocol/primitives/index.ts'
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata.ts'
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata.ts'
import { defaultDescribeClusterRequest } from '../../../src/protocol/generated/messages/describe-cluster.ts'
import type { DescribeClusterResponse } from '../../../src/protocol/generated/messages/describe-cluster.ts'
import { defaultDescribeGroupsRequest } from '../../../src/protocol/generated/messages/describe-groups.ts'
import type { DescribeGroupsResponse } from '../../../src/protocol/generated/messages/describe-groups.ts'
import { defaultDescribeConfigsRequest } from '../../../src/protocol/generated/messages/describe-configs.ts'
import type { DescribeConfigsResponse } from '../../../src/protocol/generated/messages/describe-configs.ts'
import { defaultIncrementalAlterConfigsRequest } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import type { IncrementalAlterConfigsResponse } from '../../../src/protocol/generated/messages/incremental-alter-configs.ts'
import { defaultDeleteRecordsRequest } from '../../../src/protocol/generated/messages/delete-records.ts'
import type { DeleteRecordsResponse } from '../../../src/protocol/generated/messages/delete-records.ts'
import { defaultCreatePartitionsRequest } from '../../../src/protocol/generated/messages/create-partitions.ts'
import type { CreatePartitionsResponse } from '../../../src/protocol/generated/messages/create-partitions.ts'
import { defaultListGroupsRequest } from '../../../src/protocol/generated/messages/list-groups.ts'
import type { ListGroupsResponse } from '../../../src/protocol/generated/messages/list-groups.ts'
import { defaultDeleteGroupsRequest } from '../../../src/protocol/generated/messages/delete-groups.ts'
import type { DeleteGroupsResponse } from '../../../src/protocol/generated/messages/delete-groups.ts'
import { defaultLeaveGroupRequest } from '../../../src/protocol/generated/messages/leave-group.ts'
import type { LeaveGroupResponse } from '../../../src/protocol/generated/messages/leave-group.ts'
import { defaultOffsetDeleteRequest } from '../../../src/protocol/generated/messages/offset-delete.ts'
import type { OffsetDeleteResponse } from '../../../src/protocol/generated/messages/offset-delete.ts'
import { defaultDescribeLogDirsRequest } from '../../../src/protocol/generated/messages/describe-log-dirs.ts'
import type { DescribeLogDirsResponse } from '../../../src/protocol/generated/messages/describe-log-dirs.ts'
import { defaultDescribeProducersRequest } from '../../../src/protocol/generated/messages/describe-producers.ts'
import type { DescribeProducersResponse } from '../../../src/protocol/generated/messages/describe-producers.ts'
import { defaultDescribeTransactionsRequest } from '../../../src/protocol/generated/messages/describe-transactions.ts'
import type { DescribeTransactionsResponse } from '../../../src/protocol/generated/messages/describe-transactions.ts'
import type { DescribeTopicPartitionsResponse } from '../../../src/protocol/generated/messages/describe-topic-partitions.ts'
import { CLUSTER_OPERATIONS } from '../../../src/broker/cluster/authorized-operations.ts'
import { Operation, PatternType, Permission, ResourceType } from '../../../src/broker/security/acl/acl.ts'
import { startAclBroker } from './acl-broker.ts'
import type { SecureBroker } from './secure-broker.ts'
import { rawAs as rawSasl } from './raw-sasl.ts'

const bit = (...ops: number[]) => ops.reduce((a, op) => a | (1 << op), 0)

describe('ACL checks on admin and group APIs; authorized-operations bitfields', () => {
  let broker: SecureBroker
  const as = <T>(user: string, apiKey: number, version: number, body: unknown) => rawSasl<T>(broker.port('SASL_PLAINTEXT'), user, apiKey, version, body)
  const withFields = <T extends object>(base: T, fields: Partial<T>): T => Object.assign(base, fields)

  before(async () => {
    broker = await startAclBroker(['admin', 'alice'], { 'num.partitions': '1' })
    const ctx = broker.running.context
    await ctx.topics.createTopic({ name: 'mine', numPartitions: 1, replicationFactor: 1 })
    const binding = (resourceType: number, resourceName: string, operation: number) => ({ resourceType, resourceName, patternType: PatternType.LITERAL,
      principal: 'User:alice', host: '*', operation, permission: Permission.ALLOW })
    await ctx.security.acls!.apply([
      binding(ResourceType.TOPIC, 'mine', Operation.WRITE),
      binding(ResourceType.GROUP, 'g', Operation.READ),
    ], [])
  })
  after(async () => {
    await broker?.close()
  })

  it('Metadata, DescribeCluster and DescribeGroups carry the principal\'s operations when asked', async () => {
    const md = await as<MetadataResponse>('alice', ApiKey.Metadata, 10, withFields(defaultMetadataRequest(), {
      topics: [{ name: 'mine', topicId: ZERO_UUID }], allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true,
    }))
    assert.equal(md.topics[0].errorCode, ErrorCode.NONE)
    // WRITE implies DESCRIBE.
    assert.equal(md.topics[0].topicAuthorizedOperations, bit(Operation.WRITE, Operation.DESCRIBE))
    assert.equal(md.clusterAuthorizedOperations, 0)
    const cluster = await as<DescribeClusterResponse>('admin', ApiKey.DescribeCluster, 1, withFields(defaultDescribeClusterRequest(), { includeClusterAuthorizedOperations: true }))
    assert.equal(cluster.clusterAuthorizedOperations, CLUSTER_OPERATIONS)
    const aliceCluster = await as<DescribeClusterResponse>('alice', ApiKey.DescribeCluster, 1, withFields(defaultDescribeClusterRequest(), { includeClusterAuthorizedOperations: true }))
    assert.equal(aliceCluster.clusterAuthorizedOperations, 0)
    const groups = await as<DescribeGroupsResponse>('alice', ApiKey.DescribeGroups, 5, withFields(defaultDescribeGroupsRequest(), { groups: ['g', 'other'], includeAuthorizedOperations: true }))
    assert.deepEqual(groups.groups.map((g) => [g.groupId, g.errorCode, g.authorizedOperations]),
      [['g', ErrorCode.NONE, bit(Operation.READ, Operation.DESCRIBE)], ['other', ErrorCode.GROUP_AUTHORIZATION_FAILED, 0]])
  })

  it('DescribeTopicPartitions: DESCRIBE on each topic; a named one without it is TOPIC_AUTHORIZATION_FAILED, last, without its id', async () => {
    await broker.running.context.topics.createTopic({ name: 'dtp-secret', numPartitions: 1, replicationFactor: 1 })
    const named = await as<DescribeTopicPartitionsResponse>('alice', ApiKey.DescribeTopicPartitions, 0,
      { topics: [{ name: 'dtp-secret' }, { name: 'mine' }], responsePartitionLimit: 100, cursor: null })
    assert.deepEqual(named.topics.map((t) => [t.name, t.errorCode, t.topicId === ZERO_UUID, t.partitions.length]),
      [['mine', ErrorCode.NONE, false, 1], ['dtp-secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED, true, 0]])
    assert.equal(named.topics[0].topicAuthorizedOperations, bit(Operation.WRITE, Operation.DESCRIBE))
    const all = await as<DescribeTopicPartitionsResponse>('alice', ApiKey.DescribeTopicPartitions, 0, { topics: [], responsePartitionLimit: 100, cursor: null })
    assert.deepEqual(all.topics.map((t) => t.name), ['mine'], 'topics it may not describe are left out')
  })

  it('configs: DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic or the cluster', async () => {
    const d = await as<DescribeConfigsResponse>('alice', ApiKey.DescribeConfigs, 4, withFields(defaultDescribeConfigsRequest(), {
      resources: [{ resourceType: 2, resourceName: 'mine', configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: null }],
    }))
    assert.deepEqual(d.results.map((r) => r.errorCode), [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED])
    const adminView = await as<DescribeConfigsResponse>('admin', ApiKey.DescribeConfigs, 4, withFields(defaultDescribeConfigsRequest(), {
      resources: [{ resourceType: 2, resourceName: 'mine', configurationKeys: ['retention.ms'] }],
    }))
    assert.equal(adminView.results[0].errorCode, ErrorCode.NONE)
    const a = await as<IncrementalAlterConfigsResponse>('alice', ApiKey.IncrementalAlterConfigs, 1, withFields(defaultIncrementalAlterConfigsRequest(), {
      resources: [{ resourceType: 2, resourceName: 'mine', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }],
    }))
    assert.equal(a.responses[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
  })

  it('DeleteRecords needs DELETE, CreatePartitions ALTER on the topic', async () => {
    const del = await as<DeleteRecordsResponse>('alice', ApiKey.DeleteRecords, 2, withFields(defaultDeleteRecordsRequest(), {
      topics: [{ name: 'mine', partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 5000,
    }))
    assert.equal(del.topics[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
    const cp = await as<CreatePartitionsResponse>('alice', ApiKey.CreatePartitions, 3, withFields(defaultCreatePartitionsRequest(), {
      topics: [{ name: 'mine', count: 3, assignments: null }], timeoutMs: 5000,
    }))
    assert.equal(cp.results[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
  })

  it('group APIs: LeaveGroup READ, DeleteGroups and OffsetDelete DELETE, ListGroups only describable groups', async () => {
    const leave = await as<LeaveGroupResponse>('alice', ApiKey.LeaveGroup, 5, withFields(defaultLeaveGroupRequest(), { groupId: 'other', members: [] }))
    assert.equal(leave.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED)
    const dg = await as<DeleteGroupsResponse>('alice', ApiKey.DeleteGroups, 2, withFields(defaultDeleteGroupsRequest(), { groupsNames: ['g', 'other'] }))
    assert.deepEqual(dg.results.map((r) => r.errorCode), [ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED])
    const od = await as<OffsetDeleteResponse>('alice', ApiKey.OffsetDelete, 0, withFields(defaultOffsetDeleteRequest(), { groupId: 'g', topics: [] }))
    assert.equal(od.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED)
    const lg = await as<ListGroupsResponse>('alice', ApiKey.ListGroups, 4, withFields(defaultListGroupsRequest(), {}))
    assert.equal(lg.errorCode, ErrorCode.NONE)
    assert.ok(lg.groups.every((g) => g.groupId === 'g'))
  })

  it('DescribeLogDirs needs DESCRIBE on the cluster; DescribeProducers READ on the topic; DescribeTransactions DESCRIBE on the id', async () => {
    const ld = await as<DescribeLogDirsResponse>('alice', ApiKey.DescribeLogDirs, 4, withFields(defaultDescribeLogDirsRequest(), { topics: null }))
    assert.equal(ld.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    const dp = await as<DescribeProducersResponse>('alice', ApiKey.DescribeProducers, 0, withFields(defaultDescribeProducersRequest(), { topics: [{ name: 'mine', partitionIndexes: [0] }] }))
    assert.equal(dp.topics[0].partitions[0].errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
    const dt = await as<DescribeTransactionsResponse>('alice', ApiKey.DescribeTransactions, 0, withFields(defaultDescribeTransactionsRequest(), { transactionalIds: ['t'] }))
    assert.equal(dt.transactionStates[0].errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
  })
})
