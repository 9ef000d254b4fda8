#!/usr/bin/env node
// The `samsa` command, parsed with commander: subcommands are small modules; each returns its
// exit code, and is loaded only when run (so --help and --version answer at once). Usage errors
// (unknown command or option, bare `samsa`) print help and exit 2.
import './v8-tuning.ts' // first: V8 flags must be set before the broker allocates
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { START_HELP, LOG_LEVELS } from './start-options.ts'
import type { StartOptions } from './start-options.ts'
import { packageVersion } from './version.ts'
import { addKafkaCommands } from './kafka/commands.ts'

function port(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535)')
  return n
}

function count(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 1 || n > 50) throw new InvalidArgumentError('expected a number from 1 to 50')
  return n
}

function program(): Command {
  const samsa = new Command('samsa')
    .description('A Kafka-compatible broker, and tools for any Kafka cluster.')
    .version(packageVersion(), '-v, --version', 'print the version')
    .showHelpAfterError()
    .showSuggestionAfterError()
    .exitOverride()
  samsa.command('start')
    .description('run a broker')
    .option('--data-dir <dir>', 'where partitions and metadata live (default ./samsa-data; sets log.dirs)')
    .option('--config <file>', 'Kafka-style server.properties (listeners, log.dirs, num.partitions, ...)')
    .addOption(new Option('--port <port>', 'port of the PLAINTEXT listener (default 9092; shortcut for listeners)').argParser(port))
    .option('--set <key=value>', 'override one setting (repeatable; wins over --config, --data-dir and --port)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addOption(new Option('--log-level <level>', 'log level; logs go to stderr').choices(LOG_LEVELS).default('warn'))
    .addHelpText('after', `\n${START_HELP}`)
    .action(async (opts: StartOptions) => {
      const { start } = await import('./start.ts')
      process.exitCode = await start(opts)
    })
  const dev = samsa.command('dev').description('development helpers')
  dev.command('cluster')
    .description('run etcd and N brokers on loopback, data under one folder; Ctrl-C stops everything')
    .addOption(new Option('--brokers <n>', 'number of brokers').argParser(count).default(3))
    .option('--kafka-ports', "Kafka's test layout: node ids 0,1,2... on ports 9092, 9095, 9098...")
    .option('--dir <dir>', 'folder for etcd, broker data and logs', './samsa-cluster')
    .addOption(new Option('--port <port>', 'first broker port (then consecutive)').argParser(port).default(9092))
    .option('--set <key=value>', 'a setting for every broker (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addOption(new Option('--log-level <level>', 'brokers\' log level (in their log files)').choices(LOG_LEVELS).default('info'))
    .action(async (opts: { brokers: number, kafkaPorts?: boolean, dir: string, port: number, set?: string[], logLevel: string }) => {
      const { devCluster } = await import('./dev-cluster.ts')
      process.exitCode = await devCluster(opts)
    })
  samsa.command('configs')
    .description('list every broker and topic setting with its default')
    .addArgument(samsa.createArgument('[which]', 'which table').choices(['all', 'broker', 'topic']).default('all'))
    .action(async (which: string) => {
      const { configs } = await import('./configs.ts')
      process.exitCode = configs(which)
    })
  addKafkaCommands(samsa)
  return samsa
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err
    // Help or version on request: 0. Anything else is a usage error (commander printed it).
    process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`samsa: ${(err as Error)?.stack ?? String(err)}\n`)
  process.exitCode = 1
})
