// `new Kafka({ clientId, brokers, ssl, sasl, ... })`: the KafkaJS entry point. It turns KafkaJS's
// configuration into samsa/client's ClientOptions (connectionTimeout -> connectTimeoutMs,
// retry.initialRetryTime -> retryBackoffMs, ssl -> tls, sasl mechanism names in upper case) and
// makes producers, consumers and admin clients that share its logger.
import type { ClientOptions } from '../options.ts'
import type { SaslOptions } from '../net/sasl.ts'
import { KafkaJSNonRetriableError } from './errors.ts'
import { createLogger, logLevel as LogLevel } from './logger.ts'
import type { Logger } from './logger.ts'
import type { AdminConfig, ConsumerConfig, KafkaConfig, ProducerConfig, RetryOptions, SASLOptions } from './types.ts'
import { KafkaJsProducer } from './producer.ts'
import { KafkaJsConsumer } from './consumer.ts'
import { KafkaJsAdmin } from './admin.ts'

function saslOptions(s: SASLOptions | undefined): SaslOptions | undefined {
  if (s === undefined) return undefined
  switch (s.mechanism) {
    case 'plain':
      return { mechanism: 'PLAIN', username: s.username, password: s.password }
    case 'scram-sha-256':
      return { mechanism: 'SCRAM-SHA-256', username: s.username, password: s.password }
    case 'scram-sha-512':
      return { mechanism: 'SCRAM-SHA-512', username: s.username, password: s.password }
    case 'oauthbearer': {
      const provider = s.oauthBearerProvider
      return { mechanism: 'OAUTHBEARER', token: async () => (await provider()).value }
    }
    default:
      throw new KafkaJSNonRetriableError(`SASL mechanism '${(s as { mechanism: string }).mechanism}' is not supported (plain, scram-sha-256, scram-sha-512, oauthbearer)`)
  }
}

/** Resolves the broker list and translates the configuration; `retry` overrides the client-wide one. */
export type ClientOptionsFactory = (retry?: RetryOptions) => Promise<ClientOptions>

export class Kafka {
  private readonly config: KafkaConfig
  private readonly rootLogger: Logger

  constructor(config: KafkaConfig) {
    if (config === undefined || config.brokers === undefined) throw new KafkaJSNonRetriableError('Failed to connect: brokers parameter should not be null')
    this.config = config
    this.rootLogger = createLogger(config.logLevel ?? LogLevel.INFO, config.logCreator)
    saslOptions(config.sasl) // fail on a bad mechanism now, as KafkaJS does
  }

  private readonly clientOptions: ClientOptionsFactory = async (retry) => {
    const c = this.config
    const brokers = typeof c.brokers === 'function' ? await c.brokers() : c.brokers
    if (!Array.isArray(brokers) || brokers.length === 0) throw new KafkaJSNonRetriableError('Failed to connect: brokers should not be an empty array')
    const r = { ...c.retry, ...retry }
    return {
      bootstrapServers: brokers,
      clientId: c.clientId ?? 'kafkajs',
      connectTimeoutMs: c.connectionTimeout ?? 1_000,
      requestTimeoutMs: c.requestTimeout ?? 30_000,
      retries: r.retries ?? 5,
      retryBackoffMs: r.initialRetryTime ?? 300,
      retryBackoffMaxMs: r.maxRetryTime ?? 30_000,
      tls: c.ssl === undefined || c.ssl === false ? undefined : c.ssl,
      sasl: saslOptions(c.sasl),
    }
  }

  producer(config: ProducerConfig = {}): KafkaJsProducer {
    return new KafkaJsProducer(this.clientOptions, config, this.rootLogger.namespace('Producer'))
  }

  consumer(config: ConsumerConfig): KafkaJsConsumer {
    if (config === undefined || typeof config.groupId !== 'string' || config.groupId === '') throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
    return new KafkaJsConsumer(this.clientOptions, config, this.rootLogger.namespace('Consumer'))
  }

  admin(config: AdminConfig = {}): KafkaJsAdmin {
    return new KafkaJsAdmin(this.clientOptions, config, this.rootLogger.namespace('Admin'))
  }

  logger(): Logger {
    return this.rootLogger
  }
}
