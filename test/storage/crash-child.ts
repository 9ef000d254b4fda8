// Child process for crash.test.ts: appends with fsync-before-ack until killed, printing one line
// per acknowledged append: `ack <partition> <baseOffset> <lastOffset> <firstSeq>`. stdout is a
// pipe, which Node writes synchronously on Linux, so a printed ack reached the parent before any kill.
import { buildRecordBatch } from '../../src/protocol/records/batch-builder.ts'
import { LogManager } from '../../src/storage/log-manager.ts'
import { logConfig } from '../helpers/log-config.ts'

const [dir, startSeqArg] = process.argv.slice(2)
let seq = Number(startSeqArg)
const manager = await LogManager.open({
  logDirs: [dir!],
  checkpointIntervalMs: 50,
  defaults: undefined,
})
const config = logConfig({ 'flush.messages': 1, 'segment.bytes': 64 * 1024, 'index.interval.bytes': 1024 })
const logs = [await manager.getOrCreate('crash', 0, config), await manager.getOrCreate('crash', 1, config)]
process.stdout.write('ready\n')

async function writer(partition: number): Promise<void> {
  const log = logs[partition]!
  for (;;) {
    const n = 1 + Math.floor(Math.random() * 20)
    const first = seq
    const pad = Math.random() < 0.1 ? 'x'.repeat(2000) : ''
    const records = Array.from({ length: n }, () => ({ value: Buffer.from(`s${seq++}${pad}`), timestamp: Date.now() }))
    const r = await log.append(buildRecordBatch({ records }))
    process.stdout.write(`ack ${partition} ${r.baseOffset} ${r.lastOffset} ${first}\n`)
  }
}
// Several writers per partition keep appends queued behind each other (group commit).
await Promise.all([0, 0, 0, 1, 1].map(writer))
