#!/usr/bin/env node
// The `samsa` command: subcommands are small modules; each returns its exit code.
import './v8-tuning.ts' // first: V8 flags must be set before the broker allocates
import { start, START_USAGE } from './start.ts'
import { configs } from './configs.ts'

const USAGE = `usage: samsa <command> [options]

commands:
  start     run a broker (samsa start --help)
  configs   list every broker and topic setting with its default`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start': return start(rest)
    case 'configs': return configs(rest)
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${USAGE}\n\n${START_USAGE}\n`)
      return 0
    default:
      process.stderr.write(`samsa: unknown command ${JSON.stringify(command)}\n${USAGE}\n`)
      return 2
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
}, (err: unknown) => {
  process.stderr.write(`samsa: ${(err as Error)?.stack ?? String(err)}\n`)
  process.exitCode = 1
})
