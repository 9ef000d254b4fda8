// KIP-848 regex subscriptions (ConsumerGroupHeartbeat v1 SubscribedTopicRegex) on a broker with the
// StandardAuthorizer, over raw requests as SASL PLAIN users (no client here sends a regex
// subscription: @platformatic/kafka 1.35 and samsa's own client send SubscribedTopicRegex null,
// KafkaJS and the system's librdkafka 2.0.2 do not speak KIP-848). As Kafka's TopicRegexResolver, a
// regex stands for the matching topics the member may DESCRIBE: alice, allowed r-a and r-b, is
// never assigned r-c (not even its topic id); bob in the same group, allowed every r-* topic, gets
// r-c; once CreateAcls lets alice describe r-c and bob left, the refresh after
// group.consumer.regex.refresh.interval.ms (its 10 s minimum here) gives her r-c. ConsumerGroupDescribe
// and ShareGroupDescribe refuse a group whose assignments show a topic the caller may not describe
// (TOPIC_AUTHORIZATION_FAILED).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import type { ConsumerGroupHeartbeatResponse } from '../../../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { ConsumerGroupDescribeResponse } from '../../../src/protocol/generated/messages/consumer-group-describe.ts'
import type { CreateAclsResponse } from '../../../src/protocol/generated/messages/create-acls.ts'
import type { ShareGroupHeartbeatResponse } from '../../../src/protocol/generated/messages/share-group-heartbeat.ts'
import type { ShareGroupDescribeResponse } from '../../../src/protocol/generated/messages/share-group-describe.ts'
import { Operation, PatternType, Permission, ResourceType } from '../../../src/broker/security/acl/acl.ts'
import { startAclBroker } from './acl-broker.ts'
import type { SecureBroker } from './secure-broker.ts'
import { rawAs } from './raw-sasl.ts'

const GROUP = 'rg'

const acl = (principal: string, resourceType: number, resourceName: string, patternType: number, operation: number) => ({
  resourceType, resourceName, patternType, principal, host: '*', operation, permission: Permission.ALLOW,
})

describe('regex subscriptions see only the topics each member may describe', () => {
  let broker: SecureBroker
  const id = (topic: string) => broker.running.context.metadata.topic(topic)!.topicId

  /** A member heartbeating as `user` with the regex r-.*, owning what its last assignment said. */
  class Member {
    readonly memberId = randomUUID()
    epoch = 0
    owned: { topicId: string, partitions: number[] }[] = []
    constructor(readonly user: string) {}

    async beat(): Promise<void> {
      const join = this.epoch === 0
      const r = await rawAs<ConsumerGroupHeartbeatResponse>(broker.port('SASL_PLAINTEXT'), this.user, ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId: GROUP, memberId: this.memberId, memberEpoch: this.epoch, instanceId: null, rackId: null,
        rebalanceTimeoutMs: join ? 30_000 : -1, subscribedTopicNames: null, subscribedTopicRegex: join ? 'r-.*' : null,
        serverAssignor: join ? 'uniform' : null, topicPartitions: join ? [] : this.owned,
      })
      assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '')
      this.epoch = r.memberEpoch
      if (r.assignment) this.owned = r.assignment.topicPartitions.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }))
    }

    partitionsOf(topic: string): number[] {
      return this.owned.find((tp) => tp.topicId === id(topic))?.partitions ?? []
    }

    topicIds(): string[] {
      return this.owned.filter((tp) => tp.partitions.length > 0).map((tp) => tp.topicId)
    }
  }

  async function describeAs(user: string) {
    const res = await rawAs<ConsumerGroupDescribeResponse>(broker.port('SASL_PLAINTEXT'), user, ApiKey.ConsumerGroupDescribe, 0,
      { groupIds: [GROUP], includeAuthorizedOperations: false })
    return res.groups[0]
  }

  async function targetOf(memberId: string): Promise<string[]> {
    const m = (await describeAs('admin')).members.find((x) => x.memberId === memberId)
    return m?.targetAssignment.topicPartitions.map((tp) => tp.topicName) ?? []
  }

  before(async () => {
    broker = await startAclBroker(['admin', 'alice', 'bob'], { 'num.partitions': '2', 'group.consumer.regex.refresh.interval.ms': '10000' })
    const ctx = broker.running.context
    for (const name of ['r-a', 'r-b', 'r-c', 'other']) await ctx.topics.createTopic({ name, numPartitions: 2, replicationFactor: 1 })
    await ctx.security.acls!.apply([
      acl('User:alice', ResourceType.GROUP, GROUP, PatternType.LITERAL, Operation.READ),
      acl('User:alice', ResourceType.TOPIC, 'r-a', PatternType.LITERAL, Operation.READ),
      acl('User:alice', ResourceType.TOPIC, 'r-b', PatternType.LITERAL, Operation.DESCRIBE),
      acl('User:bob', ResourceType.GROUP, GROUP, PatternType.LITERAL, Operation.READ),
      acl('User:bob', ResourceType.TOPIC, 'r-', PatternType.PREFIXED, Operation.READ),
      acl('User:alice', ResourceType.GROUP, 'srg', PatternType.LITERAL, Operation.READ),
    ], [])
  })
  after(async () => {
    await broker?.close()
  })

  it('alice alone: r-a and r-b, never r-c; bob joining gets r-c; CreateAcls for alice shows at the next refresh', { timeout: 120_000 }, async () => {
    const alice = new Member('alice')
    await alice.beat()
    assert.deepEqual(alice.topicIds().sort(), [id('r-a'), id('r-b')].sort(), 'r-c matches the regex but alice may not describe it')
    assert.deepEqual(alice.partitionsOf('r-a'), [0, 1])

    const bob = new Member('bob')
    for (let i = 0; i < 5; i++) {
      await bob.beat()
      await alice.beat()
    }
    assert.deepEqual(bob.partitionsOf('r-c').sort(), [0, 1], 'bob resolves the same regex under his own ACLs: all of r-c is his')
    assert.ok(!alice.topicIds().includes(id('r-c')))
    assert.ok(!(await targetOf(alice.memberId)).includes('r-c'), 'nor is r-c in alice\'s target assignment')
    // ConsumerGroupDescribe (Kafka's KafkaApis): a group showing a topic the client may not describe is refused whole.
    const seen = await describeAs('alice')
    assert.deepEqual([seen.errorCode, seen.members.length], [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0])
    assert.equal((await describeAs('bob')).errorCode, ErrorCode.NONE)

    const created = await rawAs<CreateAclsResponse>(broker.port('SASL_PLAINTEXT'), 'admin', ApiKey.CreateAcls, 3, { creations: [{
      resourceType: ResourceType.TOPIC, resourceName: 'r-c', resourcePatternType: PatternType.LITERAL, principal: 'User:alice', host: '*',
      operation: Operation.DESCRIBE, permissionType: Permission.ALLOW,
    }] })
    assert.equal(created.results[0].errorCode, ErrorCode.NONE)
    // bob leaves: r-c has nobody who may describe it until alice's regex is resolved again.
    const left = await rawAs<ConsumerGroupHeartbeatResponse>(broker.port('SASL_PLAINTEXT'), 'bob', ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: GROUP, memberId: bob.memberId, memberEpoch: -1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
      subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
    })
    assert.equal(left.errorCode, ErrorCode.NONE)
    // group.consumer.regex.refresh.interval.ms is 10 s: a heartbeat after that resolves alice's regex again.
    const deadline = Date.now() + 90_000
    while (!(await targetOf(alice.memberId)).includes('r-c')) {
      assert.ok(Date.now() < deadline, 'alice\'s regex was never refreshed')
      await sleep(1000)
      await alice.beat()
    }
    await alice.beat()
    assert.deepEqual(alice.partitionsOf('r-c').sort(), [0, 1], 'alice now holds r-c')
    assert.equal((await describeAs('alice')).errorCode, ErrorCode.NONE, 'and may describe the group again')
  })

  it('ShareGroupDescribe: a share group whose assignments show a topic the caller may not describe is refused', { timeout: 60_000 }, async () => {
    const port = broker.port('SASL_PLAINTEXT')
    const memberId = randomUUID()
    const describeShare = async (user: string) => (await rawAs<ShareGroupDescribeResponse>(port, user, ApiKey.ShareGroupDescribe, 1,
      { groupIds: ['srg'], includeAuthorizedOperations: false })).groups[0]
    let epoch = 0
    for (let i = 0; i < 20; i++) {
      const r = await rawAs<ShareGroupHeartbeatResponse>(port, 'admin', ApiKey.ShareGroupHeartbeat, 1,
        { groupId: 'srg', memberId, memberEpoch: epoch, rackId: null, subscribedTopicNames: epoch === 0 ? ['other'] : null })
      assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '')
      epoch = r.memberEpoch
      const seen = await describeShare('admin')
      if (seen.members[0]?.assignment.topicPartitions.some((tp) => tp.topicName === 'other')) break
      await sleep(100)
    }
    const admin = await describeShare('admin')
    assert.ok(admin.members[0].assignment.topicPartitions.some((tp) => tp.topicName === 'other'), 'the share member holds other')
    const alice = await describeShare('alice')
    assert.deepEqual([alice.errorCode, alice.members.length], [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0])
  })
})
