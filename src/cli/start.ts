// `samsa start`: validate the configuration (nothing is written when it is invalid), start the
// broker, print one `listening on ...` line, and shut down cleanly on SIGINT/SIGTERM.
import { ConfigError, loadBrokerConfig } from '../broker/config/index.ts'
import { runBroker } from '../broker/broker.ts'
import type { RunningBroker } from '../broker/broker.ts'
import type { BoundListener } from '../broker/net/server.ts'
import { createLogger } from '../broker/logger.ts'
import type { LogLevel, Logger } from '../broker/logger.ts'
import type { BrokerConfig } from '../broker/config/index.ts'
import { isUserError } from './user-errors.ts'
import type { StartOptions } from './start-options.ts'
import { brokerLookup, startSchemaRegistry } from '../registry/index.ts'
import type { RunningSchemaRegistry } from '../registry/index.ts'

export async function start(opts: StartOptions): Promise<number> {
  const level = opts.logLevel ?? 'warn'
  let config: BrokerConfig
  try {
    config = loadBrokerConfig({ configFile: opts.config, dataDir: opts.dataDir, port: opts.port, sets: opts.set })
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`samsa start: invalid configuration: ${err.message}\nNothing was started or written.\n`)
      return 1
    }
    throw err
  }
  const log = createLogger(level as LogLevel)
  // A bug in a background task must leave a log line. A stray rejection is logged and the broker
  // keeps serving; an uncaught exception leaves state unknown: log it and exit (storage recovers).
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection'))
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting')
    process.exit(70)
  })
  // Signal handlers go in before anything else: a signal that arrives before them kills the
  // process at once (the default action), e.g. one sent right after the `listening on` line.
  let signalled: NodeJS.Signals | null = null
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => { signalled = signal }
  const handler = (signal: NodeJS.Signals) => onSignal(signal)
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  let broker: RunningBroker
  try {
    broker = await runBroker(config, { log })
  } catch (err) {
    // A user's problem (port in use, data directory locked or a file, ...) is one line; a bug
    // also shows where it happened.
    const detail = isUserError(err) ? '' : `\n${(err as Error)?.stack ?? ''}`
    process.stderr.write(`samsa start: cannot start: ${(err as Error)?.message ?? String(err)}${detail}\n`)
    return 1
  }
  const started = broker
  const registryAbort = new AbortController()
  let registryStarting: Promise<RunningSchemaRegistry | undefined> = Promise.resolve(undefined)
  return new Promise<number>((resolve) => {
    let stopping = false
    onSignal = (signal) => {
      if (stopping) {
        // A second signal: the user insists. Storage recovery handles the unclean stop.
        process.stderr.write(`samsa: ${signal} again, exiting now\n`)
        process.exit(130)
      }
      stopping = true
      log.info({ signal }, 'shutting down')
      // The registry's clients go first, while their broker still answers (a start still in
      // progress is given up).
      registryAbort.abort()
      const stopped = registryStarting.then((registry) => registry?.close()).then(() => started.close())
      stopped.then(() => {
        process.stdout.write(`stopped (${signal})\n`)
        resolve(0)
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        resolve(1)
      })
    }
    if (signalled !== null) {
      // Asked to stop while starting: stop without announcing readiness.
      onSignal(signalled)
      return
    }
    // The bound address first (what a local client or test harness connects to), then the
    // advertised one when it differs.
    const url = (l: BoundListener) => `${l.name}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`
    const addresses = started.bound.map((b, i) => {
      const adv = url(started.listeners[i])
      return url(b) === adv ? adv : `${url(b)} (advertised as ${adv})`
    })
    process.stdout.write(`listening on ${addresses.join(', ')}\n`)
    log.info({ dataDir: started.dataDir, nodeId: config.nodeId, clusterId: started.context.clusterId }, 'broker started')
    // The registry starts once the broker serves: it is the broker's client, and a registry that
    // cannot reach it (advertised listeners unreachable from here) must not hold the broker back.
    registryStarting = startRegistry(started, config, log, registryAbort.signal).then((registry) => {
      if (registry?.url !== undefined) process.stdout.write(`schema registry on ${registry.bound.map((b) => `http://${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`).join(', ')}\n`)
      return registry
    })
  })
}

/**
 * The schema registry beside the broker (schema.registry.listeners), a client of the broker's own
 * listener. It is an add-on: when it cannot start, the broker serves on and says why (and topics
 * that validate schema ids refuse their records).
 */
async function startRegistry(broker: RunningBroker, config: BrokerConfig, log: Logger, signal: AbortSignal): Promise<RunningSchemaRegistry | undefined> {
  const listeners = config.list('schema.registry.listeners').filter((l) => l.trim() !== '')
  if (listeners.length === 0) return undefined
  const own = broker.bound[0]!
  try {
    const registry = await startSchemaRegistry({
      client: { bootstrapServers: `${own.host.includes(':') ? `[${own.host}]` : own.host}:${own.port}` },
      listeners,
      log,
      signal,
    })
    // Topics with confluent.*.schema.validation check produced schema ids against it.
    broker.context.schemas.lookup = brokerLookup(registry.registry)
    return registry
  } catch (err) {
    if (!signal.aborted) log.warn({ err }, 'schema registry not started')
    return undefined
  }
}
