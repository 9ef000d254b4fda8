// nodefluent's `kafka-streams` 5.0.0 (sinek 9 → kafka-node 5, its default JS client) on the same
// broker and input as bench/streams.ts, for the operations it has: a stateless map + filter and a
// count per key (countByKey, in its in-memory storage). Its `to()` produces each record on its own
// (produceType "send", its default). The clock runs from the first input record seen to the last
// output record on the output topic (its high watermark), so its figure includes delivery as ours
// (which includes the final commit and flush) does.
import { createRequire } from 'node:module'
import type { Admin } from '../src/client/index.ts'
import type * as NodefluentModule from 'kafka-streams'

const require = createRequire(import.meta.url)
const { KafkaStreams } = require('kafka-streams') as typeof NodefluentModule

interface KafkaNodeMessage { key: Buffer | string | null; value: Buffer | string }

export type NodefluentScenario = 'stateless map+filter' | 'count (in-memory)'

/** Runs one nodefluent application over the input topic until `expectedOut` records are on `out`; null when that took over `timeoutMs`. */
export async function runNodefluent(admin: Admin, bootstrap: string, scenario: NodefluentScenario, input: string, out: string, expectedOut: number, id: string,
  timeoutMs = 120_000): Promise<{ ms: number; cpuMs: number } | null> {
  const factory = new KafkaStreams({
    kafkaHost: bootstrap, groupId: `nodefluent-${id}`, clientName: `nodefluent-${id}`, workerPerPartition: 1,
    options: {
      sessionTimeout: 8000, protocol: ['roundrobin'], fromOffset: 'earliest', fetchMaxBytes: 1024 * 1024, fetchMinBytes: 1, fetchMaxWaitMs: 10,
      heartbeatInterval: 250, retryMinTimeout: 250, autoCommit: true, autoCommitIntervalMs: 1000, requireAcks: 1, ackTimeoutMs: 100, partitionerType: 3,
    },
  } as unknown as ConstructorParameters<typeof KafkaStreams>[0])
  ;(factory as unknown as NodeJS.EventEmitter).on('error', () => {})
  let t0 = 0
  let c0 = process.cpuUsage()
  const first = (): void => {
    if (t0 !== 0) return
    t0 = performance.now()
    c0 = process.cpuUsage()
  }
  const stream = factory.getKStream(input)
  const text = (b: Buffer | string | null): string => (b === null ? '' : typeof b === 'string' ? b : b.toString('utf8'))
  if (scenario === 'stateless map+filter') {
    stream.map((m: KafkaNodeMessage) => {
      first()
      return { key: text(m.key), value: text(m.value).toUpperCase() }
    }).filter((m: { key: string }) => !m.key.endsWith('7')).to(out)
  } else {
    stream.map((m: KafkaNodeMessage) => {
      first()
      return { key: text(m.key), value: '' }
    }).countByKey('key', 'count').map((m: { key: string; count: number }) => ({ key: m.key, value: String(m.count) })).to(out)
  }
  try {
    await stream.start()
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const [end] = await admin.listOffsets([{ topic: out, partition: 0 }])
      if (end !== undefined && end.offset >= expectedOut) break
      if (Date.now() > deadline) return null
      await new Promise((r) => setTimeout(r, 20))
    }
    const c = process.cpuUsage(c0)
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }
  } finally {
    await factory.closeAll().catch(() => {})
  }
}
