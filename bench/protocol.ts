// `npm run bench -- protocol [seconds]`: encode/decode throughput of the generated codecs on
// the two shapes that dominate a broker's CPU time — a Produce request carrying one 1 MiB batch
// and a Metadata response for 1,000 partitions — then the record-batch figures (CRC32C,
// compression) from bench/records.ts. Prints figures; asserts nothing.
import { existsSync } from 'node:fs'
import { Reader, Writer, ZERO_UUID } from '../src/protocol/primitives/index.ts'
import { decodeProduceRequest, encodeProduceRequest, type ProduceRequest } from '../src/protocol/generated/messages/produce.ts'
import {
  decodeMetadataResponse,
  encodeMetadataResponse,
  type MetadataResponse,
  type MetadataResponseMetadataResponsePartition,
} from '../src/protocol/generated/messages/metadata.ts'

interface Figure {
  ops: number
  bytes: number
  seconds: number
}

/** Runs `fn` repeatedly for about `seconds` (after a short warm-up) and returns the rate. */
function measure(seconds: number, bytesPerOp: number, fn: () => void): Figure {
  const warmEnd = performance.now() + Math.min(200, seconds * 250)
  while (performance.now() < warmEnd) fn()
  let ops = 0
  const start = performance.now()
  const end = start + seconds * 1000
  let now = start
  while (now < end) {
    for (let i = 0; i < 16; i++) fn()
    ops += 16
    now = performance.now()
  }
  const elapsed = (now - start) / 1000
  return { ops, bytes: ops * bytesPerOp, seconds: elapsed }
}

function report(name: string, f: Figure): void {
  const opsPerSec = f.ops / f.seconds
  const mbPerSec = f.bytes / f.seconds / (1024 * 1024)
  console.log(`${name.padEnd(52)} ${opsPerSec.toFixed(0).padStart(10)} ops/s ${mbPerSec.toFixed(1).padStart(10)} MiB/s`)
}

function produceRequest(batch: Buffer): ProduceRequest {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: 'bench-topic', topicId: ZERO_UUID, partitionData: [{ index: 0, records: batch }] }],
  }
}

function metadataResponse(topics: number, partitionsPerTopic: number): MetadataResponse {
  const brokers = [1, 2, 3].map((id) => ({ nodeId: id, host: `broker-${id}.example.internal`, port: 9092, rack: `rack-${id}` }))
  return {
    throttleTimeMs: 0,
    brokers,
    clusterId: 'samsa-bench-cluster',
    errorCode: 0,
    controllerId: 1,
    topics: Array.from({ length: topics }, (_, t) => ({
      errorCode: 0,
      name: `topic-${t}`,
      topicId: Buffer.alloc(16, t + 1).toString('base64url'),
      isInternal: false,
      partitions: Array.from({ length: partitionsPerTopic }, (_, p): MetadataResponseMetadataResponsePartition => ({
        errorCode: 0,
        partitionIndex: p,
        leaderId: (p % 3) + 1,
        leaderEpoch: 12,
        replicaNodes: [1, 2, 3],
        isrNodes: [1, 2, 3],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: -2147483648,
    })),
    clusterAuthorizedOperations: -2147483648,
  }
}

export async function run(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 1)
  console.log(`protocol codecs (node ${process.version}, ${seconds}s per figure; MiB/s counts encoded bytes)`)

  const batch = Buffer.alloc(1 << 20, 0x61)
  const produce = produceRequest(batch)
  for (const version of [3, 9]) {
    const size = (() => {
      const w = new Writer()
      encodeProduceRequest(w, produce, version)
      return w.finish()
    })()
    report(`Produce v${version} 1 MiB batch: encode (one buffer)`, measure(seconds, size.length, () => {
      const w = new Writer(256)
      encodeProduceRequest(w, produce, version)
      w.finish()
    }))
    report(`Produce v${version} 1 MiB batch: encode (zero-copy chunks)`, measure(seconds, size.length, () => {
      const w = new Writer(256, 16 * 1024)
      encodeProduceRequest(w, produce, version)
      w.finishChunks()
    }))
    report(`Produce v${version} 1 MiB batch: decode`, measure(seconds, size.length, () => {
      decodeProduceRequest(new Reader(size), version)
    }))
  }

  const metadata = metadataResponse(10, 100)
  for (const version of [1, 12]) {
    const w0 = new Writer()
    encodeMetadataResponse(w0, metadata, version)
    const bytes = w0.finish()
    report(`Metadata v${version} 1,000 partitions (${bytes.length} B): encode`, measure(seconds, bytes.length, () => {
      const w = new Writer(256)
      encodeMetadataResponse(w, metadata, version)
      w.finish()
    }))
    report(`Metadata v${version} 1,000 partitions: decode`, measure(seconds, bytes.length, () => {
      decodeMetadataResponse(new Reader(bytes), version)
    }))
  }

  if (existsSync(new URL('./records.ts', import.meta.url))) {
    console.log('')
    const records = (await import('./records.ts')) as { runRecordsBench?: () => Promise<void> }
    await records.runRecordsBench?.()
  }
}
