// KIP-848 regex subscriptions under an authorizer, on the coordinator with a manual clock: a
// member's SubscribedTopicRegex stands for the matching topics its own principal may DESCRIBE
// (the heartbeat's check), refreshed as Kafka refreshes it (a new regex, new topics,
// group.consumer.regex.refresh.interval.ms); a member with broader rights in the same group gets
// its own topics; after a reload a member's regex stands for what it holds until it heartbeats;
// without an authorizer every match counts, as before.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import type { ConsumerHeartbeatRequest } from '../../../../src/broker/coordinator/group/consumer-membership.ts'
import type { GroupCoordinator } from '../../../../src/broker/coordinator/group/group-coordinator.ts'
import type { TopicLookup } from '../../../../src/broker/coordinator/group/subscribed-topic-ids.ts'
import { harness } from './harness.ts'

const IDS: Record<string, string> = {
  'r-a': 'AAAAAAAAAAAAAAAAAAAAAQ', 'r-b': 'AAAAAAAAAAAAAAAAAAAAAg', 'r-c': 'AAAAAAAAAAAAAAAAAAAAAw', 'r-d': 'AAAAAAAAAAAAAAAAAAAABA', 'other': 'AAAAAAAAAAAAAAAAAAAABQ',
}
const NAMES = new Map(Object.entries(IDS).map(([n, id]) => [id, n]))

function world(names: string[]) {
  const topics = new Map(names.map((n) => [n, { topicId: IDS[n], partitions: 2 }]))
  const lookup: TopicLookup = { byName: (n) => topics.get(n), names: () => topics.keys() }
  return { topics, lookup, add: (n: string) => topics.set(n, { topicId: IDS[n], partitions: 2 }) }
}

/** A simulated client: owns what its last assignment gave it and reports it, as clients do. */
class Member {
  epoch = 0
  owned = new Map<string, number[]>()
  constructor(readonly c: GroupCoordinator, readonly id: string, readonly may: Set<string>, readonly regex = 'r-.*') {}

  async beat(): Promise<void> {
    const join = this.epoch === 0
    const req: ConsumerHeartbeatRequest = {
      groupId: 'g', memberId: this.id, memberEpoch: this.epoch, instanceId: null, rackId: null, rebalanceTimeoutMs: join ? 10_000 : -1,
      subscribedTopicNames: null, subscribedTopicRegex: join ? this.regex : null, serverAssignor: 'uniform',
      topicPartitions: join ? [] : [...this.owned].map(([topicId, partitions]) => ({ topicId, partitions })),
      clientId: 'c', clientHost: '/h', version: 1, describable: (t) => this.may.has(t),
    }
    const r = await this.c.consumerGroupHeartbeat(req)
    assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? '')
    this.epoch = r.memberEpoch
    if (r.assignment) this.owned = new Map(r.assignment.map((tp) => [tp.topicId, [...tp.partitions]]))
  }

  /** Topic names it owns. */
  topics(): string[] {
    return [...this.owned].filter(([, ps]) => ps.length > 0).map(([id]) => NAMES.get(id)!).sort()
  }
}

/** Names of the topics in a member's target assignment. */
function targetTopics(c: GroupCoordinator, memberId: string): string[] {
  const a = c.consumerGroup('g')?.targetAssignment.get(memberId) ?? new Map()
  return [...a].filter(([, ps]) => ps.size > 0).map(([id]) => NAMES.get(id)!).sort()
}

async function settleGroup(...members: Member[]): Promise<void> {
  for (let i = 0; i < 6; i++) for (const m of members) await m.beat()
}

const INTERVAL = 60_000

function setup(names = ['r-a', 'r-b', 'r-c', 'other'], authorizing = true) {
  const w = world(names)
  const h = harness({ offsetsTopicPartitions: 1, consumerSessionTimeoutMs: 10 * INTERVAL, consumerRegexRefreshIntervalMs: INTERVAL },
    { topics: w.lookup, authorizing: () => authorizing })
  return { ...w, h, c: h.coordinator }
}

test('a regex member gets only the matching topics its principal may describe; a broader one in the group gets its own', async () => {
  const { c } = setup()
  const alice = new Member(c, 'alice', new Set(['r-a', 'r-b', 'other']))
  await alice.beat()
  assert.deepEqual(alice.topics(), ['r-a', 'r-b'], 'r-c matches but alice may not describe it')
  const bob = new Member(c, 'bob', new Set(['r-a', 'r-b', 'r-c']))
  await settleGroup(alice, bob)
  assert.ok(bob.topics().includes('r-c'), 'bob resolves the same regex under his own ACLs')
  assert.ok(!targetTopics(c, 'alice').includes('r-c'))
  assert.ok(!alice.topics().includes('r-c'))
  // Both r-c partitions go to bob; r-a and r-b are shared.
  assert.deepEqual(bob.owned.get(IDS['r-c'])?.slice().sort(), [0, 1])
})

test('an ACL change shows at the refresh after group.consumer.regex.refresh.interval.ms; a new topic at the next heartbeat', async () => {
  const { c, h, add } = setup(['r-a', 'r-b', 'other'])
  const aliceMay = new Set(['r-a'])
  const alice = new Member(c, 'alice', aliceMay)
  await settleGroup(alice)
  assert.deepEqual(alice.topics(), ['r-a'])
  aliceMay.add('r-b') // CreateAcls: DESCRIBE on r-b
  h.advance(INTERVAL / 2)
  await settleGroup(alice)
  assert.deepEqual(alice.topics(), ['r-a'], 'no refresh before the interval (as Kafka)')
  h.advance(INTERVAL / 2 + 1)
  const epoch = c.consumerGroup('g')!.groupEpoch
  await settleGroup(alice)
  assert.deepEqual(alice.topics(), ['r-a', 'r-b'], 'the refresh picks up the new ACL')
  assert.ok(c.consumerGroup('g')!.groupEpoch > epoch, 'and bumps the group epoch')

  // A new matching topic is resolved at the next heartbeat, under the member's ACLs.
  add('r-d')
  await settleGroup(alice)
  assert.deepEqual(alice.topics(), ['r-a', 'r-b'], 'r-d exists but alice may not describe it')
  aliceMay.delete('r-b') // DeleteAcls
  add('r-c')
  aliceMay.add('r-c')
  await settleGroup(alice)
  assert.deepEqual(alice.topics(), ['r-a', 'r-c'], 'a refresh for new topics applies the current ACLs')
})

test('a member that leaves takes its resolution with it; the others keep theirs', async () => {
  const { c } = setup()
  const alice = new Member(c, 'alice', new Set(['r-a']))
  const bob = new Member(c, 'bob', new Set(['r-a', 'r-b', 'r-c']))
  await settleGroup(alice, bob)
  const r = await c.consumerGroupHeartbeat({
    groupId: 'g', memberId: 'bob', memberEpoch: -1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null,
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, clientId: 'c', clientHost: '/h', version: 1,
  })
  assert.equal(r.errorCode, ErrorCode.NONE)
  assert.deepEqual([...c.consumerGroup('g')!.regexes.resolved.keys()], ['alice'])
  await settleGroup(alice)
  assert.deepEqual(alice.topics(), ['r-a'], 'bob gone: r-b and r-c stay unassigned, not given to alice')
})

test('after a reload, a member not heard from yet keeps the topics it holds; its own heartbeat resolves it again', async () => {
  const { c, h, lookup } = setup()
  const alice = new Member(c, 'alice', new Set(['r-a']))
  const bob = new Member(c, 'bob', new Set(['r-a', 'r-b', 'r-c']))
  await settleGroup(alice, bob)
  assert.deepEqual(alice.topics(), ['r-a'])
  const c2 = h.replayed({ topics: lookup, authorizing: () => true })
  const bob2 = Object.assign(new Member(c2, 'bob', bob.may), { epoch: bob.epoch, owned: bob.owned })
  const alice2 = Object.assign(new Member(c2, 'alice', alice.may), { epoch: alice.epoch, owned: alice.owned })
  await bob2.beat()
  assert.deepEqual(targetTopics(c2, 'alice'), ['r-a'], 'bob\'s heartbeat does not widen alice\'s regex')
  await settleGroup(bob2, alice2)
  assert.deepEqual(alice2.topics(), ['r-a'])
  assert.deepEqual([...c2.consumerGroup('g')!.regexes.resolved.keys()].sort(), ['alice', 'bob'])
})

test('without an authorizer a regex stands for every matching topic (the heartbeat\'s check is not asked)', async () => {
  const { c } = setup(undefined, false)
  const alice = new Member(c, 'alice', new Set(['r-a']))
  await alice.beat()
  assert.deepEqual(alice.topics(), ['r-a', 'r-b', 'r-c'])
  assert.equal(c.consumerGroup('g')!.regexes.resolved.size, 0)
})
