// Exponential backoff with jitter, retrying only errors marked retriable. One helper so every
// component retries the same way (and a test can shorten it through the options).
import { setTimeout as sleep } from 'node:timers/promises'
import { AbortedError, isRetriable } from './errors.ts'

export interface RetryOptions {
  retries: number
  backoffMs: number
  maxBackoffMs: number
  signal?: AbortSignal
}

/** The delay before retry number `attempt` (0-based): backoff * 2^attempt, ±20 %, capped. */
export function backoffDelay(attempt: number, backoffMs: number, maxBackoffMs: number): number {
  const base = Math.min(maxBackoffMs, backoffMs * 2 ** Math.min(attempt, 20))
  return Math.round(base * (0.8 + Math.random() * 0.4))
}

export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
  onRetry?: (err: unknown, attempt: number) => void | Promise<void>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt >= opts.retries || !isRetriable(err) || opts.signal?.aborted) throw err
      await onRetry?.(err, attempt)
      try {
        await sleep(backoffDelay(attempt, opts.backoffMs, opts.maxBackoffMs), undefined, { signal: opts.signal })
      } catch {
        throw new AbortedError('aborted while waiting to retry', { cause: err })
      }
    }
  }
}
