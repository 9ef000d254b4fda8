// Helpers for samsa/client tests: an in-process Samsa broker tuned for fast tests, unique topic
// names, and collecting messages from a consumer with a deadline.
import { startBroker } from '../../src/broker/index.ts'
import type { Broker } from '../../src/broker/index.ts'
import type { Consumer, Message } from '../../src/client/index.ts'

let seq = 0
export const topicName = (prefix = 't'): string => `${prefix}-${process.pid}-${++seq}`

/** A broker for client tests: few offsets partitions, short group timeouts allowed. */
export function testBroker(config: Record<string, string | number | boolean> = {}): Promise<Broker> {
  return startBroker({
    config: { 'offsets.topic.num.partitions': 1, 'transaction.state.log.num.partitions': 1, 'group.min.session.timeout.ms': 200, 'num.partitions': 1, ...config },
  })
}

/** Reads `n` messages (or fails after `timeoutMs`), leaving the iterator open. */
export async function take<K, V>(it: AsyncIterator<Message<K, V>>, n: number, timeoutMs = 10_000): Promise<Message<K, V>[]> {
  const out: Message<K, V>[] = []
  const deadline = Date.now() + timeoutMs
  while (out.length < n) {
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`got ${out.length} of ${n} messages within ${timeoutMs} ms`)
    let timer: NodeJS.Timeout | undefined
    const r = await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`got ${out.length} of ${n} messages within ${timeoutMs} ms`)), left))),
    ]).finally(() => clearTimeout(timer))
    if (r.done) break
    out.push(r.value)
  }
  return out
}

export function iterate<K, V>(c: Consumer<K, V>): AsyncIterator<Message<K, V>> {
  return c[Symbol.asyncIterator]()
}

/** Polls `cond` every 20 ms until it holds; throws with `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
