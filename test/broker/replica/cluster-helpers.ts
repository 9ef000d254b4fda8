// Helpers for in-process cluster tests (startCluster over the memory store): produce to a
// partition's leader with a chosen acks, read a replica's whole log, create topics through a broker,
// change a partition's state the way the controller does, and wait for a condition.
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce.ts'
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import type { DeleteRecordsResponse } from '../../../src/protocol/generated/messages/delete-records.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import { BrokerChannel } from '../../../src/broker/net/broker-channel.ts'
import type { ChannelSecurity } from '../../../src/broker/net/broker-channel.ts'
import type { Cluster } from '../../../src/broker/embedded-cluster.ts'
import type { Partition } from '../../../src/broker/replica/partition.ts'
import { parsePartitionRecord, partitionKey } from '../../../src/broker/cluster/metadata-records.ts'
import type { PartitionRecord } from '../../../src/broker/cluster/metadata-records.ts'
import { batch } from '../../storage/helpers.ts'

const clientSecurity = new WeakMap<Cluster, ChannelSecurity>()

/** The helpers below connect to `cluster` with `security` (a cluster on a TLS/SASL listener). */
export function useClientSecurity(cluster: Cluster, security: ChannelSecurity): void {
  clientSecurity.set(cluster, security)
}

export async function channelTo(cluster: Cluster, nodeId: number): Promise<BrokerChannel> {
  const b = cluster.broker(nodeId)
  return BrokerChannel.connect(b.host, b.port, 'cluster-test', 5000, clientSecurity.get(cluster))
}

/** Creates a topic through broker `via` (CreateTopics v5). */
export async function createTopic(cluster: Cluster, name: string, partitions: number, rf: number,
  configs: Record<string, string> = {}, via = 0): Promise<void> {
  const ch = await channelTo(cluster, via)
  try {
    const res = await ch.send<CreateTopicsResponse>(ApiKey.CreateTopics, 5, {
      topics: [{ name, numPartitions: partitions, replicationFactor: rf, assignments: [],
        configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      timeoutMs: 10_000, validateOnly: false,
    }, 15_000)
    const t = res.topics[0]!
    if (t.errorCode !== 0) throw new Error(`create ${name}: error ${t.errorCode} ${t.errorMessage}`)
  } finally {
    ch.close()
  }
  await cluster.settle()
}

/** The partition state in the store. */
export async function partitionState(cluster: Cluster, topic: string, index: number): Promise<PartitionRecord & { modRevision: number }> {
  const topicId = topicIdOf(cluster, topic)
  const key = partitionKey(topicId, index)
  const kv = (await cluster.store.range(key)).kvs.find((k) => k.key === key)
  if (!kv) throw new Error(`no state for ${topic}-${index}`)
  return { ...parsePartitionRecord(key, kv.value), modRevision: kv.modRevision }
}

export function topicIdOf(cluster: Cluster, topic: string): string {
  for (const b of cluster.brokers) {
    const t = b.running?.context.metadata.topic(topic)
    if (t) return t.topicId
  }
  throw new Error(`unknown topic ${topic}`)
}

/** Writes a partition state as the controller would (leader change: new leader, epochs bumped). */
export async function electLeader(cluster: Cluster, topic: string, index: number, leader: number, isr: number[]): Promise<PartitionRecord> {
  const s = await partitionState(cluster, topic, index)
  const next: PartitionRecord = { replicas: s.replicas, isr, leader, leaderEpoch: s.leaderEpoch + 1, partitionEpoch: s.partitionEpoch + 1 }
  const key = partitionKey(topicIdOf(cluster, topic), index)
  const r = await cluster.store.txn({ compare: [{ key, target: 'modRevision', equals: s.modRevision }], success: [{ type: 'put', key, value: JSON.stringify(next) }] })
  if (!r.succeeded) throw new Error('lost the compare-and-swap')
  await cluster.settle()
  return next
}

export interface ProduceResult {
  errorCode: number
  baseOffset: number
  currentLeader: { leaderId: number, leaderEpoch: number }
}

/** Produces `count` records (one batch) to `nodeId` (v11, by name). */
export async function produce(cluster: Cluster, nodeId: number, topic: string, index: number, count: number, acks: number,
  tag = 'v', timeoutMs = 10_000): Promise<ProduceResult> {
  const ch = await channelTo(cluster, nodeId)
  try {
    const res = await ch.send<ProduceResponse>(ApiKey.Produce, 11, {
      transactionalId: null, acks, timeoutMs,
      topicData: [{ name: topic, topicId: '', partitionData: [{ index, records: batch(count, tag) }] }],
    }, timeoutMs + 5000)
    const p = res.responses[0]!.partitionResponses[0]!
    return { errorCode: p.errorCode, baseOffset: Number(p.baseOffset), currentLeader: p.currentLeader }
  } finally {
    ch.close()
  }
}

/** A consumer fetch (v12 unless told) from `offset`: error, HW and the number of bytes returned. */
export async function consumerFetch(cluster: Cluster, nodeId: number, topic: string, index: number, offset: number,
  currentLeaderEpoch = -1, version = 12): Promise<{ errorCode: number, highWatermark: number, bytes: number, currentLeader: { leaderId: number, leaderEpoch: number } }> {
  const ch = await channelTo(cluster, nodeId)
  try {
    const req = defaultFetchRequest()
    req.replicaId = -1
    req.maxWaitMs = 0
    req.minBytes = 0
    req.maxBytes = 10 << 20
    const fp = defaultFetchRequestFetchPartition()
    fp.partition = index
    fp.fetchOffset = BigInt(offset)
    fp.currentLeaderEpoch = currentLeaderEpoch
    fp.partitionMaxBytes = 10 << 20
    req.topics = [{ topic, topicId: '', partitions: [fp] }]
    const res = await ch.send<FetchResponse>(ApiKey.Fetch, version, req, 10_000)
    const p = res.responses[0]!.partitions[0]!
    return { errorCode: p.errorCode, highWatermark: Number(p.highWatermark), bytes: p.records?.length ?? 0, currentLeader: { ...p.currentLeader } }
  } finally {
    ch.close()
  }
}

/** DeleteRecords (v2) below `offset` on `nodeId`: error code and the new low watermark. */
export async function deleteRecords(cluster: Cluster, nodeId: number, topic: string, index: number, offset: number): Promise<{ errorCode: number, lowWatermark: number }> {
  const ch = await channelTo(cluster, nodeId)
  try {
    const res = await ch.send<DeleteRecordsResponse>(ApiKey.DeleteRecords, 2, {
      topics: [{ name: topic, partitions: [{ partitionIndex: index, offset: BigInt(offset) }] }], timeoutMs: 10_000,
    }, 15_000)
    const p = res.topics[0]!.partitions[0]!
    return { errorCode: p.errorCode, lowWatermark: Number(p.lowWatermark) }
  } finally {
    ch.close()
  }
}

export function replicaOf(cluster: Cluster, nodeId: number, topic: string, index: number): Partition {
  const p = cluster.broker(nodeId).running?.context.replicas.partition(topic, index)
  if (!p) throw new Error(`broker ${nodeId} does not host ${topic}-${index}`)
  return p
}

/** Every byte of a replica's log (all batches up to its log end offset). */
export async function logBytes(cluster: Cluster, nodeId: number, topic: string, index: number): Promise<Buffer> {
  const p = replicaOf(cluster, nodeId, topic, index)
  const parts: Buffer[] = []
  let offset = p.logStartOffset
  while (offset < p.logEndOffset) {
    const r = await p.readForReplica(offset, 1 << 20)
    if (r.batches.length === 0) break
    const buf = Buffer.concat(r.batches)
    parts.push(buf)
    // Next offset: after the last batch read (base offset + last offset delta + 1).
    let pos = 0
    let next = offset
    while (pos + 61 <= buf.length) {
      next = Number(buf.readBigInt64BE(pos)) + buf.readInt32BE(pos + 23) + 1
      pos += 12 + buf.readInt32BE(pos + 8)
    }
    offset = next
  }
  return Buffer.concat(parts)
}

/** Polls `cond` every 20 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
