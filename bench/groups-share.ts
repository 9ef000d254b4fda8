// The KIP-932 half of `npm run bench -- groups`: share-group consume throughput with 1, 4 and 16
// consumers on a 4-partition topic (with 16, each partition is shared by four). The records are
// produced once (untimed); each run is a fresh share group set to share.auto.offset.reset=earliest,
// whose consumers loop ShareFetch (MaxRecords 500, MaxWaitMs 50) carrying ACCEPT acknowledgements
// of what the previous fetch acquired. Timed: from the first fetch until every record is
// acknowledged (acknowledgements are answered once persisted in __share_group_state).
import { ApiKey } from '../src/protocol/generated/api-keys.ts'
import { buildRecordBatch } from '../src/protocol/records/batch-builder.ts'
import type { CreateTopicsResponse } from '../src/protocol/generated/messages/create-topics.ts'
import type { ProduceResponse } from '../src/protocol/generated/messages/produce.ts'
import type { ShareFetchResponse } from '../src/protocol/generated/messages/share-fetch.ts'
import type { ShareGroupHeartbeatResponse } from '../src/protocol/generated/messages/share-group-heartbeat.ts'
import type { IncrementalAlterConfigsResponse } from '../src/protocol/generated/messages/incremental-alter-configs.ts'
import { KafkaConn } from './loadgen/kafka-conn.ts'

export const SHARE_TOPIC = 'bench-share'
const PARTITIONS = 4
const PER_BATCH = 1000

/** Creates the topic and produces `records` records of `valueBytes` bytes, spread over its partitions. */
export async function prepareShareTopic(port: number, records: number, valueBytes = 100): Promise<string> {
  const conn = await KafkaConn.open('127.0.0.1', port)
  try {
    const r = await conn.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: SHARE_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false,
    })
    if (r.topics[0]!.errorCode !== 0) throw new Error(`CreateTopics error ${r.topics[0]!.errorCode}`)
    const value = Buffer.alloc(valueBytes, 'x')
    for (let sent = 0, i = 0; sent < records; sent += PER_BATCH, i++) {
      const n = Math.min(PER_BATCH, records - sent)
      const batch = buildRecordBatch({ records: Array.from({ length: n }, () => ({ key: null, value, timestamp: Date.now() })) })
      const res = await conn.send<ProduceResponse>(ApiKey.Produce, 9, {
        transactionalId: null, acks: -1, timeoutMs: 30_000,
        topicData: [{ name: SHARE_TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: i % PARTITIONS, records: batch }] }],
      })
      const code = res.responses[0]!.partitionResponses[0]!.errorCode
      if (code !== 0) throw new Error(`Produce error ${code}`)
    }
    return r.topics[0]!.topicId
  } finally {
    conn.close()
  }
}

/** Records per second for `consumers` share consumers draining `records` records. */
export async function shareConsumeRate(port: number, topicId: string, consumers: number, records: number, groupId: string): Promise<number> {
  const admin = await KafkaConn.open('127.0.0.1', port)
  const cfg = await admin.send<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: 32, resourceName: groupId, configs: [{ name: 'share.auto.offset.reset', configOperation: 0, value: 'earliest' }] }], validateOnly: false,
  })
  if (cfg.responses[0]!.errorCode !== 0) throw new Error(`IncrementalAlterConfigs error ${cfg.responses[0]!.errorCode}`)
  admin.close()
  const conns = await Promise.all(Array.from({ length: consumers }, () => KafkaConn.open('127.0.0.1', port)))
  let acked = 0
  try {
    const assigned = await Promise.all(conns.map(async (conn, i) => {
      const r = await conn.send<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId, memberId: `m${i}`, memberEpoch: 0, rackId: null, subscribedTopicNames: [SHARE_TOPIC] })
      if (r.errorCode !== 0) throw new Error(`ShareGroupHeartbeat error ${r.errorCode}: ${r.errorMessage}`)
      return r.memberEpoch
    }))
    // Every member heartbeats once more so all take the final assignment.
    const parts = await Promise.all(conns.map(async (conn, i) => {
      const r = await conn.send<ShareGroupHeartbeatResponse>(ApiKey.ShareGroupHeartbeat, 1, { groupId, memberId: `m${i}`, memberEpoch: assigned[i]!, rackId: null, subscribedTopicNames: [SHARE_TOPIC] })
      if (r.errorCode !== 0) throw new Error(`ShareGroupHeartbeat error ${r.errorCode}: ${r.errorMessage}`)
      return r.assignment!.topicPartitions.flatMap((tp) => tp.partitions)
    }))
    const start = performance.now()
    await Promise.all(conns.map(async (conn, i) => {
      let epoch = 0
      let pending = new Map<number, { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }[]>()
      while (acked < records) {
        const res = await conn.send<ShareFetchResponse>(ApiKey.ShareFetch, 1, {
          groupId, memberId: `m${i}`, shareSessionEpoch: epoch, maxWaitMs: 50, minBytes: 1, maxBytes: 8 << 20, maxRecords: 500, batchSize: 500,
          topics: [{ topicId, partitions: parts[i]!.map((p) => ({ partitionIndex: p, partitionMaxBytes: 0, acknowledgementBatches: pending.get(p) ?? [] })) }],
          forgottenTopicsData: [],
        })
        if (res.errorCode !== 0) throw new Error(`ShareFetch error ${res.errorCode}: ${res.errorMessage}`)
        epoch = epoch === 0 ? 1 : epoch + 1
        const next = new Map<number, { firstOffset: bigint, lastOffset: bigint, acknowledgeTypes: number[] }[]>()
        for (const t of res.responses) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0 || p.acknowledgeErrorCode !== 0) throw new Error(`ShareFetch partition ${p.partitionIndex}: error ${p.errorCode}/${p.acknowledgeErrorCode}`)
            for (const b of pending.get(p.partitionIndex) ?? []) acked += Number(b.lastOffset - b.firstOffset) + 1
            pending.delete(p.partitionIndex)
            if (p.acquiredRecords.length > 0) next.set(p.partitionIndex, p.acquiredRecords.map((a) => ({ firstOffset: a.firstOffset, lastOffset: a.lastOffset, acknowledgeTypes: [1] })))
          }
        }
        // Acknowledgements of partitions the response left out were answered too (incremental session).
        for (const [, list] of pending) for (const b of list) acked += Number(b.lastOffset - b.firstOffset) + 1
        pending = next
      }
    }))
    return records / ((performance.now() - start) / 1000)
  } finally {
    for (const c of conns) c.close()
  }
}
