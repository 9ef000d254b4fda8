// What every Kafka-facing command shares: the connection options (-b, -X, --command-config),
// --json, printing tables or JSON, and turning failures into one line and a non-zero exit.
import type { Command } from 'commander'
import type { ClientOptions } from '../../client/index.ts'
import { CliError, userMessage } from './errors.ts'
import { clientOptionsFrom, readPropertiesFile, splitKeyValue } from './properties.ts'

export const DEFAULT_BOOTSTRAP = 'localhost:9092'

export interface CommonOptions {
  bootstrap?: string
  X?: string[]
  commandConfig?: string
  json?: boolean
}

export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v]

/** Adds the shared options to a command (each command takes them after its own arguments). */
export function withClientOptions(cmd: Command): Command {
  return cmd
    .showHelpAfterError('(add --help for usage)') // one line for the problem, not a page of help
    .option('-b, --bootstrap <servers>', `host:port[,host:port...] (default $SAMSA_BOOTSTRAP, then ${DEFAULT_BOOTSTRAP})`)
    .option('-X <key=value>', 'client property by its Kafka/librdkafka name, e.g. security.protocol=SSL (repeatable)', collect)
    .option('--command-config <file>', 'client properties file, as the Kafka tools take it')
    .option('--json', 'machine-readable JSON output')
}

export interface Context {
  client: ClientOptions
  bootstrap: string
  json: boolean
  /** Properties that are not connection settings (group.id, acks, ...), for the command to use. */
  props: Map<string, string>
}

/** Precedence: -X over --command-config; -b over both; then SAMSA_BOOTSTRAP, then the default. */
export function context(o: CommonOptions): Context {
  const props = o.commandConfig === undefined ? new Map<string, string>() : readPropertiesFile(o.commandConfig)
  for (const x of o.X ?? []) props.set(...splitKeyValue(x, '-X'))
  const { client, rest } = clientOptionsFrom(props)
  const env = process.env['SAMSA_BOOTSTRAP']
  const bootstrap = o.bootstrap ?? client.bootstrapServers ?? (env !== undefined && env !== '' ? env : DEFAULT_BOOTSTRAP)
  return { client: { ...client, bootstrapServers: bootstrap, clientId: client.clientId ?? 'samsa-cli' }, bootstrap, json: o.json === true, props: rest }
}

/**
 * Runs a command body with its context; user errors print `samsa <command>: <problem>` and
 * exit 1, bugs keep their stack. The exit code is the body's (0 by default).
 */
export async function run(name: string, o: CommonOptions, body: (ctx: Context) => Promise<number | void>): Promise<void> {
  let bootstrap = o.bootstrap ?? DEFAULT_BOOTSTRAP
  try {
    const ctx = context(o)
    bootstrap = ctx.bootstrap
    process.exitCode = (await body(ctx)) ?? 0
  } catch (err) {
    const message = userMessage(err, bootstrap)
    if (message === null) throw err
    process.stderr.write(`samsa ${name}: ${message}\n`)
    process.exitCode = 1
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

/** Left-aligned columns under an upper-case header, two spaces apart. */
export function formatTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))]
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)))
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n'
}

export function printTable(header: readonly string[], rows: readonly (readonly unknown[])[]): void {
  process.stdout.write(formatTable(header, rows))
}

export function integer(text: string, what: string, min = 0): number {
  const n = Number(text)
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new CliError(`${what} must be an integer >= ${min}, got '${text}'`)
  return n
}
