// Topics refused with THROTTLING_QUOTA_EXCEEDED (controller_mutation_rate, KIP-599) are sent again
// once the throttle time the response told has passed, as Kafka's AdminClient does by default
// (retryOnQuotaViolation), until the call's timeout: a retry that could not be sent before it
// leaves the error standing. Every other result is final at once.
import { ErrorCode } from '../../protocol/errors.ts'
import { setTimeout as sleep } from 'node:timers/promises'

export interface MutationAnswer<R> {
  readonly throttleTimeMs: number
  readonly results: readonly R[]
}

/**
 * Sends `items` (topics to create, delete or grow) and again those refused for the quota; answers
 * the last result of each. `nameOf` / `resultName` pair an item with its result.
 */
export async function withQuotaRetries<I, R extends { errorCode: number }>(items: readonly I[],
  send: (items: readonly I[]) => Promise<MutationAnswer<R>>,
  nameOf: (item: I) => string, resultName: (r: R) => string | null,
  opts: { retry: boolean, deadline: number }): Promise<R[]> {
  const final = new Map<string, R>()
  let pending = items
  for (;;) {
    const res = await send(pending)
    const again: I[] = []
    const byName = new Map(res.results.map((r) => [resultName(r) ?? '', r]))
    for (const item of pending) {
      const r = byName.get(nameOf(item))
      if (r === undefined) continue
      final.set(nameOf(item), r)
      if (r.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED && opts.retry) again.push(item)
    }
    if (again.length === 0 || Date.now() + res.throttleTimeMs >= opts.deadline) break
    // The broker does not read the connection before then either (it is muted).
    await sleep(res.throttleTimeMs)
    pending = again
  }
  return [...final.values()]
}
