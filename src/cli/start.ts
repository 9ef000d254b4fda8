// `samsa start`: validate the configuration (nothing is written when it is invalid), start the
// broker, print one `listening on ...` line, and shut down cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util'
import { ConfigError, loadBrokerConfig } from '../broker/config/index.ts'
import { runBroker } from '../broker/broker.ts'
import type { RunningBroker } from '../broker/broker.ts'
import type { BoundListener } from '../broker/net/server.ts'
import { createLogger } from '../broker/logger.ts'
import type { LogLevel } from '../broker/logger.ts'
import type { BrokerConfig } from '../broker/config/index.ts'

export const START_USAGE = `usage: samsa start [--data-dir DIR] [--config server.properties] [--set key=value]... [--log-level LEVEL]

  --data-dir DIR      where partitions and metadata live (default ./samsa-data; sets log.dirs)
  --config FILE       Kafka-style server.properties (listeners, log.dirs, num.partitions, ...)
  --set key=value     override one setting (repeatable; wins over --config and --data-dir)
  --log-level LEVEL   fatal, error, warn (default), info, debug, trace or silent; logs go to stderr

Listens on PLAINTEXT://localhost:9092 unless 'listeners' says otherwise. 'samsa configs' lists every setting.`

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export async function start(argv: string[]): Promise<number> {
  let values: { 'data-dir'?: string, config?: string, set?: string[], 'log-level'?: string, help?: boolean }
  try {
    values = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        set: { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    process.stderr.write(`samsa start: ${(err as Error).message}\n${START_USAGE}\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(`${START_USAGE}\n`)
    return 0
  }
  const level = values['log-level'] ?? 'warn'
  if (!LEVELS.includes(level)) {
    process.stderr.write(`samsa start: --log-level must be one of ${LEVELS.join(', ')}\n`)
    return 2
  }
  let config: BrokerConfig
  try {
    config = loadBrokerConfig({ configFile: values.config, dataDir: values['data-dir'], sets: values.set })
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
    process.stderr.write(`samsa start: cannot start: ${(err as Error).message}\n`)
    return 1
  }
  const started = broker
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
      started.close().then(() => resolve(0), (err: unknown) => {
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
  })
}
