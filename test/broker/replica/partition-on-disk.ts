// One Partition (replica 1 of topic t, partition 0) over a real log in a temporary directory, for
// tests that drive a partition's role changes and appends directly.
import { LogManager } from '../../../src/storage/log-manager.ts'
import { Partition } from '../../../src/broker/replica/partition.ts'
import { tempDir } from '../../storage/helpers.ts'

export async function partitionOnDisk() {
  const tmp = await tempDir()
  const logs = await LogManager.open({ logDirs: [tmp.path], cleanerEnabled: false })
  const log = await logs.getOrCreate('t', 0)
  const settings = { minInsyncReplicas: 1, downConversion: true, compacted: false, schemaValidation: null }
  const p = new Partition('t', 0, 'tid', log, 1, settings, { onHighWatermark() {}, onLogAppend() {} })
  return { p, log, close: async () => { await logs.close(); await tmp.cleanup() } }
}
