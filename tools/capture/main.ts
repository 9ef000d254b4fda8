// Captures reference bytes from real Kafka clients talking to librdkafka's mock cluster
// through a recording proxy, and writes them as fixtures under test/golden/.
//   node --import tsx tools/capture/main.ts [batches] [frames]
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startMockCluster } from '../../test/helpers/mock-cluster.ts'
import { CODECS, kafkajsBatch, kcatBatch } from './batch-scenarios.ts'
import type { BatchCapture } from './batch-scenarios.ts'

/** What produced the bytes (Debian bookworm packages and the npm lockfile). */
export const CLIENT_VERSIONS: Record<string, string> = {
  kcat: 'kcat 1.7.1, librdkafka 2.0.2',
  'confluent-kafka': 'python3-confluent-kafka 1.7.0, librdkafka 2.0.2',
  'kafka-python': 'python3-kafka 2.0.2',
  kafkajs: 'kafkajs 2.2.4',
}

const GOLDEN = new URL('../../test/golden/', import.meta.url).pathname

function writeBatch(capture: BatchCapture): void {
  const dir = join(GOLDEN, 'batches')
  mkdirSync(dir, { recursive: true })
  const name = `${capture.client}-${capture.codec}`
  writeFileSync(join(dir, `${name}.bin`), capture.found.bytes)
  const meta = {
    client: capture.client,
    clientVersion: CLIENT_VERSIONS[capture.client],
    codec: capture.codec,
    topic: capture.topic,
    partition: capture.partition,
    produceApiVersion: capture.produceApiVersion,
    batches: capture.found.batches,
    bytes: capture.found.bytes.length,
    records: capture.records,
  }
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(meta, null, 2) + '\n')
  console.log(`batches/${name}.bin: ${capture.found.bytes.length} bytes, ${capture.found.batches} batch(es)`)
}

async function main(): Promise<void> {
  const what = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ['batches', 'frames'])
  const cluster = await startMockCluster(1)
  const upstream = cluster.brokers[0]
  try {
    if (what.has('batches')) {
      for (const codec of CODECS) writeBatch(await kcatBatch(upstream, codec))
      for (const codec of ['none', 'gzip'] as const) writeBatch(await kafkajsBatch(upstream, codec))
    }
  } finally {
    await cluster.close()
  }
}

await main()
