// Helpers for streams tests against a real broker: an in-process broker tuned for fast group
// joins, and reading a topic (read_committed when asked) until a condition on what was read holds.
import { startBroker } from '../../src/broker/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import { Consumer } from '../../src/client/index.ts'
import type { Message } from '../../src/client/index.ts'

export function streamsBroker(): Promise<Broker> {
  return startBroker({
    config: {
      'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1, 'group.min.session.timeout.ms': 200,
      'group.initial.rebalance.delay.ms': 0, 'num.partitions': 1,
    },
  })
}

/** Reads `topic` from the beginning until `done(all messages so far)` holds; throws after `timeoutMs`. */
export async function readUntil(bootstrap: string, topic: string, done: (msgs: Message[]) => boolean, opts: { timeoutMs?: number; readCommitted?: boolean } = {}): Promise<Message[]> {
  const c = new Consumer({ bootstrapServers: bootstrap, isolationLevel: opts.readCommitted ? 'read_committed' : 'read_uncommitted' })
  const parts = (await c.cluster.topic(topic, false)).partitions.length
  c.assign(Array.from({ length: parts }, (_, partition) => ({ topic, partition })))
  await c.seekToBeginning()
  const out: Message[] = []
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000)
  const it = c.batches()[Symbol.asyncIterator]()
  let pending: Promise<IteratorResult<Message[]>> | null = null
  try {
    while (!done(out)) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${topic}: condition not met within the deadline after ${out.length} messages`)
      pending ??= it.next()
      const r = await Promise.race([pending, new Promise<'tick'>((res) => setTimeout(() => res('tick'), Math.min(left, 200)).unref())])
      if (r === 'tick') continue
      pending = null
      if (r.done) break
      for (const m of r.value) out.push({ ...m, key: m.key === null ? null : Buffer.from(m.key), value: m.value === null ? null : Buffer.from(m.value) })
    }
    return out
  } finally {
    await c.close()
  }
}

/** Latest value per key (string keys and values). */
export function latest(msgs: readonly Message[], decode: (b: Buffer) => unknown = (b) => b.toString()): Map<string, unknown> {
  const m = new Map<string, unknown>()
  for (const x of msgs) m.set(x.key?.toString() ?? '', x.value === null ? null : decode(x.value))
  return m
}
