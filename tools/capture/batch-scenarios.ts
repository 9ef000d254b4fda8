// Produces the golden records with each client and codec through the recording proxy and
// returns the RecordBatch bytes of the (single) Produce request.
import { CompressionTypes } from 'kafkajs'
import { runKcat } from '../../test/helpers/run.ts'
import { runKafkaJs } from '../../test/helpers/kafkajs.ts'
import { findRecordBatches } from './batches.ts'
import type { FoundBatches } from './batches.ts'
import { goldenRecords, GOLDEN_HEADERS } from './golden-records.ts'
import type { GoldenRecord } from './golden-records.ts'
import { startRecordingProxy } from './proxy.ts'
import { Translator } from './translate.ts'
import { Producer, stringSerializers } from '@platformatic/kafka'
import type { CompressionAlgorithmValue } from '@platformatic/kafka'
import { runPython } from '../../test/helpers/run.ts'
import type { CapturedFrame } from './proxy.ts'

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
export type Codec = (typeof CODECS)[number]
const CODEC_ID: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }

export interface BatchCapture {
  client: string
  codec: Codec
  topic: string
  partition: number
  produceApiVersion: number
  records: GoldenRecord[]
  found: FoundBatches
}

type Upstream = { host: string; port: number }

async function captureProduce(upstream: Upstream, run: (address: string) => Promise<void>): Promise<CapturedFrame[]> {
  // The translator lets @platformatic/kafka (ApiVersions v3 only) talk to the mock; Produce
  // itself is never translated, so the records bytes are the client's own.
  const proxy = await startRecordingProxy(upstream, new Translator())
  try {
    await run(proxy.address)
  } finally {
    await proxy.close()
  }
  return proxy.frames.filter((f) => f.direction === 'request' && f.apiKey === 0)
}

function single(client: string, codec: Codec, produces: CapturedFrame[]): { frame: CapturedFrame; found: FoundBatches } {
  const withBatches = produces
    .map((frame) => ({ frame, found: findRecordBatches(frame.bytes) }))
    .filter((x): x is { frame: CapturedFrame; found: FoundBatches } => x.found !== undefined)
  if (withBatches.length !== 1) throw new Error(`${client}/${codec}: expected 1 Produce with records, got ${withBatches.length}`)
  const { found } = withBatches[0]
  if (found.codecs.some((c) => c !== CODEC_ID[codec])) {
    throw new Error(`${client}/${codec}: batch codecs ${found.codecs.join(',')} (the client did not compress)`)
  }
  return withBatches[0]
}

export async function kcatBatch(upstream: Upstream, codec: Codec): Promise<BatchCapture> {
  const topic = 'golden'
  const records = goldenRecords()
  const input = records.map((r) => `${r.key}:${r.value}\n`).join('')
  const headerArgs = GOLDEN_HEADERS.flatMap(([k, v]) => ['-H', `${k}=${v}`])
  const produces = await captureProduce(upstream, (address) =>
    runKcat(address, ['-P', '-t', topic, '-p', '0', '-z', codec, '-K:', ...headerArgs, '-X', 'linger.ms=300'], {
      input,
      timeoutMs: 20_000,
    }).then(() => undefined),
  )
  const { frame, found } = single('kcat', codec, produces)
  return { client: 'kcat', codec, topic, partition: 0, produceApiVersion: frame.apiVersion, records, found }
}

const KAFKAJS_CODEC: Partial<Record<Codec, CompressionTypes>> = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP }

export async function kafkajsBatch(upstream: Upstream, codec: Codec): Promise<BatchCapture> {
  const compression = KAFKAJS_CODEC[codec]
  if (compression === undefined) throw new Error(`KafkaJS has no built-in ${codec} codec`)
  const topic = 'golden'
  const records = goldenRecords()
  const produces = await captureProduce(upstream, async (address) => {
    await runKafkaJs([address], async (kafka) => {
      const producer = kafka.producer({ allowAutoTopicCreation: true })
      await producer.connect()
      try {
        await producer.send({
          topic,
          acks: -1,
          compression,
          messages: records.map((r) => ({
            key: r.key,
            value: r.value,
            partition: 0,
            headers: Object.fromEntries(r.headers),
          })),
        })
      } finally {
        await producer.disconnect()
      }
    })
  })
  const { frame, found } = single('kafkajs', codec, produces)
  return { client: 'kafkajs', codec, topic, partition: 0, produceApiVersion: frame.apiVersion, records, found }
}

export async function platformaticBatch(upstream: Upstream, codec: Codec): Promise<BatchCapture> {
  const topic = 'golden'
  const records = goldenRecords()
  const produces = await captureProduce(upstream, async (address) => {
    const producer = new Producer({
      clientId: 'samsa-golden',
      bootstrapBrokers: [address],
      serializers: stringSerializers,
      compression: codec as CompressionAlgorithmValue,
      retries: 2,
    })
    try {
      await producer.send({
        messages: records.map((r) => ({ topic, partition: 0, key: r.key, value: r.value, headers: Object.fromEntries(r.headers) })),
      })
    } finally {
      await producer.close()
    }
  })
  const { frame, found } = single('platformatic', codec, produces)
  return { client: 'platformatic', codec, topic, partition: 0, produceApiVersion: frame.apiVersion, records, found }
}

const KAFKA_PYTHON_PRODUCE = `
import json, sys
from kafka import KafkaProducer
bootstrap, codec, records = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == 'none' else codec, linger_ms=200)
for r in records:
    p.send('golden', key=r['key'].encode(), value=r['value'].encode(), partition=0,
           headers=[(k, v.encode()) for k, v in r['headers']])
p.flush()
p.close()
`

/**
 * kafka-python 2.0.2 (Debian) has gzip built in; with python3-snappy (capture time only) it
 * writes snappy in the Java client's xerial framing, which librdkafka never sends.
 */
export async function kafkaPythonBatch(upstream: Upstream, codec: Codec): Promise<BatchCapture> {
  const records = goldenRecords()
  const modules = codec === 'snappy' ? ['kafka', 'snappy'] : ['kafka']
  const produces = await captureProduce(upstream, async (address) => {
    await runPython(KAFKA_PYTHON_PRODUCE, [address, codec, JSON.stringify(records)], { modules, timeoutMs: 30_000 })
  })
  const { frame, found } = single('kafka-python', codec, produces)
  return { client: 'kafka-python', codec, topic: 'golden', partition: 0, produceApiVersion: frame.apiVersion, records, found }
}
