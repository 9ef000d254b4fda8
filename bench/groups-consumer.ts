// The KIP-848 half of `npm run bench -- groups`: time for a consumer-protocol group of N members
// (N-1 of them reconciled) to reach a stable assignment after one more member joins with
// ConsumerGroupHeartbeat v1. Members heartbeat back to back (no heartbeat interval, as the classic
// figure leaves out heartbeat intervals too), each reporting what it owns; a member drops revoked
// partitions at once. Stable: every member is at the new group epoch and the topic's partitions
// are all owned, each by one member. The topic has 60 partitions so that every size moves some.
import { ApiKey } from '../src/protocol/generated/api-keys.ts'
import type { ConsumerGroupHeartbeatResponse } from '../src/protocol/generated/messages/consumer-group-heartbeat.ts'
import type { CreateTopicsResponse } from '../src/protocol/generated/messages/create-topics.ts'
import { KafkaConn } from './loadgen/kafka-conn.ts'

export const CONSUMER_TOPIC = 'bench-groups-848'
const PARTITIONS = 60

export async function createConsumerTopic(port: number): Promise<void> {
  const conn = await KafkaConn.open('127.0.0.1', port)
  try {
    const r = await conn.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: CONSUMER_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false,
    })
    if (r.topics[0]!.errorCode !== 0) throw new Error(`CreateTopics error ${r.topics[0]!.errorCode}`)
  } finally {
    conn.close()
  }
}

class BenchMember {
  epoch = 0
  owned: { topicId: string, partitions: number[] }[] = []
  constructor(readonly conn: KafkaConn, readonly groupId: string, readonly memberId: string) {}

  async beat(): Promise<void> {
    const join = this.epoch === 0
    const r = await this.conn.send<ConsumerGroupHeartbeatResponse>(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: this.groupId, memberId: this.memberId, memberEpoch: this.epoch, instanceId: null, rackId: null,
      rebalanceTimeoutMs: join ? 60_000 : -1, subscribedTopicNames: join ? [CONSUMER_TOPIC] : null, subscribedTopicRegex: null,
      serverAssignor: join ? 'uniform' : null, topicPartitions: join ? [] : this.owned,
    })
    if (r.errorCode !== 0) throw new Error(`ConsumerGroupHeartbeat error ${r.errorCode}: ${r.errorMessage}`)
    this.epoch = r.memberEpoch
    if (r.assignment) this.owned = r.assignment.topicPartitions.map((tp) => ({ topicId: tp.topicId, partitions: [...tp.partitions] }))
  }
}

/** Heartbeat rounds (all members at once) until every member is at `epoch` and all partitions are owned. */
async function untilStable(members: BenchMember[]): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    await Promise.all(members.map((m) => m.beat()))
    const epoch = Math.max(...members.map((m) => m.epoch))
    const owned = members.flatMap((m) => m.owned.flatMap((tp) => tp.partitions))
    if (members.every((m) => m.epoch === epoch) && owned.length === PARTITIONS && new Set(owned).size === PARTITIONS) return
  }
  throw new Error('no stable assignment after 1000 rounds')
}

export async function consumerTimeToStable(port: number, n: number, reps: number): Promise<number[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => KafkaConn.open('127.0.0.1', port)))
  const times: number[] = []
  try {
    for (let rep = 0; rep < reps; rep++) {
      const groupId = `bench-848-${n}-${rep}`
      const members = conns.map((c, i) => new BenchMember(c, groupId, `member-${rep}-${i}`))
      // Untimed: the group of n-1 members, reconciled.
      if (n > 1) await untilStable(members.slice(0, n - 1))
      const start = performance.now()
      await untilStable(members)
      times.push(performance.now() - start)
      // Leave, so the next repetition's groups are the only live ones.
      await Promise.all(members.map((m) => m.conn.send(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId, memberId: m.memberId, memberEpoch: -1, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
        subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
      })))
    }
  } finally {
    for (const c of conns) c.close()
  }
  return times
}
