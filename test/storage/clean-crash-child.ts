// Child process for clean-crash.test.ts: re-appends the latest value of every key (which leaves
// the latest state unchanged but makes everything before it dirty), rolls, and compacts — over
// and over until killed.
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { cleanLog } from '../../src/storage/cleaner.ts'
import { logConfig } from '../helpers/log-config.ts'
import { Log } from '../../src/storage/log.ts'
import { CLEAN_CONFIG, latest } from './clean-crash-config.ts'

const [dir, batches] = process.argv.slice(2)
const log = await Log.open({ dir: dir!, config: logConfig(CLEAN_CONFIG) })
const state = [...latest(Number(batches))]
process.stdout.write('ready\n')
let now = Date.now()
for (let round = 0; ; round++) {
  for (let i = 0; i < state.length; i += 4) {
    const records = state.slice(i, i + 4).map(([k, v]) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: now }))
    await log.append(buildRecordBatch({ records, compression: round % 2 }))
  }
  await log.roll()
  now += 1000
  await cleanLog(log, { now, firstDirtyOffset: 0, force: true })
  process.stdout.write('cleaned\n')
}
