// `npm run bench -- groups [--reps N] [--duration-ms N] [--share-records N]`: the group coordinator of a broker process
// (`samsa start` through tsx), driven over the wire with the generated codecs.
//  - Time to Stable when a consumer joins a group of N members (N = 1, 10, 50 in total): the new
//    member's JoinGroup (with the MEMBER_ID_REQUIRED round trip), the existing members rejoining at
//    once (as they would after their next heartbeat), the leader's SyncGroup and every follower's
//    SyncGroup answered. Heartbeat intervals are not part of the figure.
//  - The same with the KIP-848 consumer protocol (bench/groups-consumer.ts): a member joins a
//    consumer group of N-1 reconciled members; timed until every member is at the new epoch and
//    all 60 partitions of its topic are owned once.
//  - Share-group (KIP-932) consume throughput with 1, 4 and 16 consumers on 4 partitions
//    (bench/groups-share.ts, `--share-records N`, default 200,000): ShareFetch with ACCEPT
//    acknowledgements until every record is acknowledged; once more on a third broker with
//    samsa.share.persist.acquisitions=true (the state write before acquired records are answered).
//  - OffsetCommit throughput (one partition offset per commit), one request at a time and with 16
//    in flight, with fsync before acknowledging (log.flush.interval.messages=1) and without.
// Prints figures; asserts nothing. BENCHMARKS.md, "Groups".
import { ApiKey } from '../src/protocol/generated/api-keys.ts'
import { Writer } from '../src/protocol/primitives/index.ts'
import { writeConsumerProtocolSubscription } from '../src/protocol/generated/data/consumer-protocol-subscription.ts'
import type { CreateTopicsResponse } from '../src/protocol/generated/messages/create-topics.ts'
import type { FindCoordinatorResponse } from '../src/protocol/generated/messages/find-coordinator.ts'
import type { JoinGroupResponse } from '../src/protocol/generated/messages/join-group.ts'
import type { HeartbeatResponse } from '../src/protocol/generated/messages/heartbeat.ts'
import type { SyncGroupResponse } from '../src/protocol/generated/messages/sync-group.ts'
import type { OffsetCommitResponse } from '../src/protocol/generated/messages/offset-commit.ts'
import { KafkaConn } from './loadgen/kafka-conn.ts'
import { startBrokerProcess } from './broker-process.ts'
import { consumerTimeToStable, createConsumerTopic } from './groups-consumer.ts'
import { prepareShareTopic, shareConsumeRate } from './groups-share.ts'

const MEMBER_ID_REQUIRED = 79
const REBALANCE_IN_PROGRESS = 27

function subscription(topics: string[]): Buffer {
  const w = new Writer(64)
  w.int16(0)
  writeConsumerProtocolSubscription(w, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0)
  return w.finish()
}

const SUB = subscription(['bench-groups'])

function join5(conn: KafkaConn, groupId: string, memberId: string): Promise<JoinGroupResponse> {
  return conn.send<JoinGroupResponse>(ApiKey.JoinGroup, 5, {
    groupId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000, memberId, groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: SUB }], reason: null,
  })
}

function sync3(conn: KafkaConn, groupId: string, generationId: number, memberId: string, assignments: { memberId: string, assignment: Buffer }[]): Promise<SyncGroupResponse> {
  return conn.send<SyncGroupResponse>(ApiKey.SyncGroup, 3, { groupId, generationId, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments })
}

/**
 * One rebalance: a new member (on `fresh`) joins, then the `existing` members rejoin once a
 * heartbeat tells them the group is rebalancing (without waiting for a heartbeat interval).
 */
async function rebalance(conns: KafkaConn[], groupId: string, existing: string[], generation: number, fresh: KafkaConn | null): Promise<{ ids: string[], generation: number }> {
  const joins: Promise<JoinGroupResponse>[] = []
  if (fresh) {
    const first = await join5(fresh, groupId, '')
    if (first.errorCode !== MEMBER_ID_REQUIRED) throw new Error(`JoinGroup: expected MEMBER_ID_REQUIRED, got ${first.errorCode}`)
    joins.push(join5(fresh, groupId, first.memberId))
    if (existing.length > 0) {
      for (;;) {
        const hb = await conns[0]!.send<HeartbeatResponse>(ApiKey.Heartbeat, 3, { groupId, generationId: generation, memberId: existing[0]!, groupInstanceId: null })
        if (hb.errorCode === REBALANCE_IN_PROGRESS) break
        if (hb.errorCode !== 0) throw new Error(`Heartbeat error ${hb.errorCode}`)
      }
    }
  }
  joins.push(...existing.map((id, i) => join5(conns[i]!, groupId, id)))
  const results = await Promise.all(joins)
  for (const r of results) if (r.errorCode !== 0) throw new Error(`JoinGroup error ${r.errorCode}`)
  const connOf = (i: number): KafkaConn => fresh ? (i === 0 ? fresh : conns[i - 1]!) : conns[i]!
  const leader = results.find((r) => r.leader === r.memberId)!
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(m.memberId) }))
  const syncs = await Promise.all(results.map((r, i) => sync3(connOf(i), groupId, r.generationId, r.memberId, r === leader ? assignments : [])))
  for (const s of syncs) if (s.errorCode !== 0) throw new Error(`SyncGroup error ${s.errorCode}`)
  // Keep member ids aligned with conns: existing members first, the new one last.
  const ids = results.map((r) => r.memberId)
  return { ids: fresh ? [...ids.slice(1), ids[0]!] : ids, generation: results[0]!.generationId }
}

async function timeToStable(port: number, n: number, reps: number): Promise<number[]> {
  const conns = await Promise.all(Array.from({ length: n }, () => KafkaConn.open('127.0.0.1', port)))
  const times: number[] = []
  try {
    for (let rep = 0; rep < reps; rep++) {
      const groupId = `bench-stable-${n}-${rep}`
      // Untimed: the group of n-1 members (all pending members join before the first generation).
      let formed = { ids: [] as string[], generation: -1 }
      if (n > 1) {
        const firsts = await Promise.all(conns.slice(0, n - 1).map((c) => join5(c, groupId, '')))
        formed = await rebalance(conns, groupId, firsts.map((f) => f.memberId), -1, null)
      }
      const start = performance.now()
      await rebalance(conns, groupId, formed.ids, formed.generation, conns[n - 1]!)
      times.push(performance.now() - start)
    }
  } finally {
    for (const c of conns) c.close()
  }
  return times
}

async function commitRate(port: number, inFlight: number, durationMs: number): Promise<number> {
  const conn = await KafkaConn.open('127.0.0.1', port)
  let done = 0
  let offset = 0
  const commit = async (): Promise<void> => {
    const r = await conn.send<OffsetCommitResponse>(ApiKey.OffsetCommit, 8, {
      groupId: 'bench-commits', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [{ name: 'bench-groups', partitions: [{ partitionIndex: 0, committedOffset: BigInt(offset++), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
    })
    const code = r.topics[0]!.partitions[0]!.errorCode
    if (code !== 0) throw new Error(`OffsetCommit error ${code}`)
    done++
  }
  const start = performance.now()
  const worker = async (): Promise<void> => {
    while (performance.now() - start < durationMs) await commit()
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  const seconds = (performance.now() - start) / 1000
  conn.close()
  return done / seconds
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export async function run(args: string[]): Promise<void> {
  const arg = (name: string, d: number): number => {
    const i = args.indexOf(name)
    return i >= 0 ? Number(args[i + 1]) : d
  }
  const reps = arg('--reps', 5)
  const durationMs = arg('--duration-ms', 2000)
  // The third run: share groups only, with the acquisition write before ShareFetch answers (A/B with the first).
  for (const { fsync, persistAcquisitions } of [{ fsync: false, persistAcquisitions: false }, { fsync: true, persistAcquisitions: false }, { fsync: false, persistAcquisitions: true }]) {
    const broker = await startBrokerProcess('groups', {
      'group.initial.rebalance.delay.ms': '0',
      ...(fsync ? { 'log.flush.interval.messages': '1' } : {}),
      ...(persistAcquisitions ? { 'samsa.share.persist.acquisitions': 'true' } : {}),
    })
    try {
      const conn = await KafkaConn.open('127.0.0.1', broker.port)
      await conn.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
        topics: [{ name: 'bench-groups', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false,
      })
      // Warm-up: creates __consumer_offsets (50 partitions).
      const fc = await conn.send<FindCoordinatorResponse>(ApiKey.FindCoordinator, 3, { key: 'warm-up', keyType: 0, coordinatorKeys: [] })
      if (fc.errorCode !== 0) throw new Error(`FindCoordinator error ${fc.errorCode}`)
      conn.close()
      console.log(`\nfsync before ack: ${fsync ? 'on (log.flush.interval.messages=1)' : 'off (default)'}${persistAcquisitions ? '; samsa.share.persist.acquisitions=true (share rows only)' : ''}`)
      for (const n of persistAcquisitions ? [] : [1, 10, 50]) {
        const times = await timeToStable(broker.port, n, reps)
        console.log(`  join a group of ${String(n).padStart(2)} -> Stable: median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, ${reps} runs)`)
      }
      if (!persistAcquisitions) await createConsumerTopic(broker.port)
      for (const n of persistAcquisitions ? [] : [1, 10, 50]) {
        const times = await consumerTimeToStable(broker.port, n, reps)
        console.log(`  consumer protocol: join a group of ${String(n).padStart(2)} -> stable: median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}, ${reps} runs)`)
      }
      const shareRecords = arg('--share-records', 200_000)
      const shareTopicId = await prepareShareTopic(broker.port, shareRecords)
      for (const n of [1, 4, 16]) {
        const rates: number[] = []
        for (let rep = 0; rep < Math.min(reps, 3); rep++) rates.push(await shareConsumeRate(broker.port, shareTopicId, n, shareRecords, `bench-share-${n}-${rep}`))
        console.log(`  share group, ${String(n).padStart(2)} consumer(s) on 4 partitions: median ${Math.round(median(rates)).toLocaleString('en-US')} records/s acknowledged (${shareRecords.toLocaleString('en-US')} records, ${rates.length} runs)`)
      }
      for (const inFlight of persistAcquisitions ? [] : [1, 16]) {
        const rate = await commitRate(broker.port, inFlight, durationMs)
        console.log(`  OffsetCommit, ${String(inFlight).padStart(2)} in flight: ${Math.round(rate).toLocaleString('en-US')} commits/s`)
      }
    } finally {
      await broker.stop()
    }
  }
}
