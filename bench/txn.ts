// `npm run bench -- txn [--duration-ms N]`: transactional produce throughput against a broker
// process (`samsa start` through tsx). One producer, one partition, one transaction at a time as
// a client does it: AddPartitionsToTxn, Produce (acks=all, one transactional batch of M records
// of 100 bytes), EndTxn(commit) — for M = 10, 100, 1,000 — beside the same run's
// non-transactional figure (an idempotent producer sending the same batches one at a time).
// Prints transactions/s and messages/s; asserts nothing.
import { ApiKey } from '../src/protocol/generated/api-keys.ts'
import type { AddPartitionsToTxnResponse } from '../src/protocol/generated/messages/add-partitions-to-txn.ts'
import type { CreateTopicsResponse } from '../src/protocol/generated/messages/create-topics.ts'
import type { EndTxnResponse } from '../src/protocol/generated/messages/end-txn.ts'
import type { InitProducerIdResponse } from '../src/protocol/generated/messages/init-producer-id.ts'
import type { ProduceResponse } from '../src/protocol/generated/messages/produce.ts'
import { buildRecordBatch } from '../src/protocol/records/batch-builder.ts'
import { KafkaConn } from './loadgen/kafka-conn.ts'
import { startBrokerProcess } from './broker-process.ts'

const VALUE = Buffer.alloc(100, 'x')

function batchOf(m: number, pid: number, epoch: number, seq: number, transactional: boolean): Buffer {
  return buildRecordBatch({
    producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional,
    records: Array.from({ length: m }, () => ({ value: VALUE })),
  })
}

async function produce(conn: KafkaConn, topic: string, records: Buffer, transactionalId: string | null): Promise<void> {
  const res = await conn.send<ProduceResponse>(ApiKey.Produce, 9, {
    transactionalId, acks: -1, timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  })
  const code = res.responses[0]!.partitionResponses[0]!.errorCode
  if (code !== 0) throw new Error(`Produce error ${code}`)
}

async function initPid(conn: KafkaConn, transactionalId: string | null): Promise<{ pid: number, epoch: number }> {
  const r = await conn.send<InitProducerIdResponse>(ApiKey.InitProducerId, 3, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
  if (r.errorCode !== 0) throw new Error(`InitProducerId error ${r.errorCode}`)
  return { pid: Number(r.producerId), epoch: r.producerEpoch }
}

interface Figure { label: string, txns: number, msgs: number, seconds: number }

async function transactional(conn: KafkaConn, topic: string, m: number, durationMs: number): Promise<Figure> {
  const id = `bench-${m}`
  let { pid, epoch } = await initPid(conn, id)
  for (let tries = 0; tries < 50 && pid < 0; tries++) ({ pid, epoch } = await initPid(conn, id))
  let seq = 0
  let txns = 0
  const start = performance.now()
  while (performance.now() - start < durationMs) {
    const add = await conn.send<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, 3, {
      transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: BigInt(pid), v3AndBelowProducerEpoch: epoch,
      v3AndBelowTopics: [{ name: topic, partitions: [0] }],
    })
    const addCode = add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode
    if (addCode === 51) continue // CONCURRENT_TRANSACTIONS: the previous commit is still writing markers
    if (addCode !== 0) throw new Error(`AddPartitionsToTxn error ${addCode}`)
    await produce(conn, topic, batchOf(m, pid, epoch, seq, true), id)
    seq += m
    const end = await conn.send<EndTxnResponse>(ApiKey.EndTxn, 3, { transactionalId: id, producerId: BigInt(pid), producerEpoch: epoch, committed: true })
    if (end.errorCode !== 0) throw new Error(`EndTxn error ${end.errorCode}`)
    txns++
  }
  const seconds = (performance.now() - start) / 1000
  return { label: `transactional, ${m} msgs/txn`, txns, msgs: txns * m, seconds }
}

async function idempotent(conn: KafkaConn, topic: string, m: number, durationMs: number): Promise<Figure> {
  const { pid, epoch } = await initPid(conn, null)
  let seq = 0
  let batches = 0
  const start = performance.now()
  while (performance.now() - start < durationMs) {
    await produce(conn, topic, batchOf(m, pid, epoch, seq, false), null)
    seq += m
    batches++
  }
  const seconds = (performance.now() - start) / 1000
  return { label: `non-transactional (idempotent), ${m} msgs/request`, txns: batches, msgs: batches * m, seconds }
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--duration-ms')
  const durationMs = i >= 0 ? Number(args[i + 1]) : 3000
  const broker = await startBrokerProcess('txn')
  const conn = await KafkaConn.open('127.0.0.1', broker.port)
  try {
    const created = await conn.send<CreateTopicsResponse>(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'bench-txn', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000, validateOnly: false,
    })
    if (created.topics[0]!.errorCode !== 0) throw new Error(`CreateTopics error ${created.topics[0]!.errorCode}`)
    // Warm-up: the first transaction creates __transaction_state (50 partitions).
    await transactional(conn, 'bench-txn', 10, 300)
    const rows: Figure[] = []
    for (const m of [10, 100, 1000]) {
      rows.push(await transactional(conn, 'bench-txn', m, durationMs))
      rows.push(await idempotent(conn, 'bench-txn', m, durationMs))
    }
    console.log(`txn bench: one producer, one partition, 100-byte values, acks=all, ${durationMs} ms per row`)
    for (const r of rows) {
      const unit = r.label.startsWith('transactional') ? 'txn/s' : 'req/s'
      console.log(`  ${r.label.padEnd(50)} ${(r.txns / r.seconds).toFixed(0).padStart(7)} ${unit}  ${(r.msgs / r.seconds).toFixed(0).padStart(9)} msgs/s`)
    }
  } finally {
    conn.close()
    await broker.stop()
  }
}
