// KafkaJS in-process with a deadline and its log lines captured (instead of printed), so a
// failing interop test shows what the client saw.
import { Kafka, logLevel } from 'kafkajs'
import type { KafkaConfig } from 'kafkajs'

export interface KafkaJsRun<T> {
  value: T
  logs: string[]
}

export class KafkaJsTimeout extends Error {
  constructor(
    ms: number,
    readonly logs: string[],
  ) {
    super(`KafkaJS run did not finish within ${ms} ms\n${logs.slice(-40).join('\n')}`)
    this.name = 'KafkaJsTimeout'
  }
}

/**
 * Calls `fn` with a Kafka instance for `brokers`; rejects with KafkaJsTimeout after `timeoutMs`.
 * `fn` must disconnect what it connects (use try/finally); a timeout cannot do that for it.
 */
export async function runKafkaJs<T>(
  brokers: string[],
  fn: (kafka: Kafka) => Promise<T>,
  opts: { timeoutMs?: number; config?: Partial<KafkaConfig> } = {},
): Promise<KafkaJsRun<T>> {
  const logs: string[] = []
  const kafka = new Kafka({
    clientId: 'samsa-test',
    brokers,
    logLevel: logLevel.INFO,
    logCreator: () => (entry) => logs.push(`${entry.label} ${entry.namespace} ${entry.log.message}`),
    retry: { retries: 3, initialRetryTime: 100 },
    ...opts.config,
  })
  const ms = opts.timeoutMs ?? 30_000
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaJsTimeout(ms, logs)), ms)
  })
  try {
    const value = await Promise.race([fn(kafka), deadline])
    return { value, logs }
  } catch (err) {
    // What the client saw, kept with the failure.
    if (err instanceof Error && !(err instanceof KafkaJsTimeout)) err.message += `\n${logs.slice(-40).join('\n')}`
    throw err
  } finally {
    clearTimeout(timer)
  }
}
