#!/usr/bin/env node
// `samsa` command line. Until the broker lands, `start` says so plainly instead of pretending.
const [command] = process.argv.slice(2)

if (command === 'start') {
  console.error('samsa start: not yet — the broker is not built yet (see the open issues). Nothing was started.')
  process.exit(1)
}
console.error('usage: samsa start [--data-dir DIR] [--config server.properties] [--set key=value]')
process.exit(command === undefined || command === '--help' ? 0 : 2)
