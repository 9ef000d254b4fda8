// Shared by the streams examples: create topics, produce sample input, read an output topic until
// a condition holds. (Applications import from 'samsa/streams' and 'samsa/client'; the examples
// import the sources so they run from a checkout with `node --import tsx`.)
import { Admin, Consumer, Producer } from '../../src/client/index.ts'
import type { Message, ProducerRecord } from '../../src/client/index.ts'

export async function createTopics(bootstrap: string, topics: string[], partitions = 2): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap })
  const existing = new Set(await admin.listTopics())
  const missing = topics.filter((t) => !existing.has(t))
  if (missing.length > 0) await admin.createTopics(missing.map((topic) => ({ topic, numPartitions: partitions })))
  await admin.close()
}

export async function produce(bootstrap: string, records: ProducerRecord[]): Promise<void> {
  const p = new Producer({ bootstrapServers: bootstrap })
  await p.sendBatch(records)
  await p.close()
}

/** Reads `topic` from the start until `done(messages)` (or 15 s pass). */
export async function readUntil(bootstrap: string, topic: string, done: (m: Message[]) => boolean, readCommitted = false): Promise<Message[]> {
  const c = new Consumer({ bootstrapServers: bootstrap, isolationLevel: readCommitted ? 'read_committed' : 'read_uncommitted' })
  const n = (await c.cluster.topic(topic)).partitions.length
  c.assign(Array.from({ length: n }, (_, partition) => ({ topic, partition })))
  await c.seekToBeginning()
  const out: Message[] = []
  const deadline = Date.now() + 15_000
  try {
    for await (const batch of c.batches()) {
      out.push(...batch.map((m) => ({ ...m, key: m.key && Buffer.from(m.key), value: m.value && Buffer.from(m.value) })))
      if (done(out) || Date.now() > deadline) break
    }
  } finally {
    await c.close()
  }
  return out
}

export const isMain = (url: string): boolean => process.argv[1] !== undefined && url.endsWith(process.argv[1].replace(/^.*\/examples\//, '/examples/'))
