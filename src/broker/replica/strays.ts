// Partition logs on disk that the metadata image does not assign to this broker (a topic deleted
// while the broker was down, a metadata file restored from a backup, a replica moved away) are
// never adopted: adopting them would bring deleted topics back. They are renamed aside, out of
// the LogManager's sight (`<topic>-<partition>.<stamp>-stray`, as Kafka names them), and reported
// in one warning; an operator may inspect or remove them.
import { rename } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Logger } from 'pino'

export async function setAsideStrays(dirs: readonly string[], log: Logger, now = Date.now()): Promise<string[]> {
  if (dirs.length === 0) return []
  const moved: string[] = []
  for (const dir of dirs) {
    const target = `${dir}.${now.toString(36)}-stray`
    await rename(dir, target)
    moved.push(target)
  }
  log.warn({ partitions: dirs.map((d) => basename(d)), count: dirs.length },
    'partition logs on disk that the cluster metadata does not name: kept aside as -stray directories, not served')
  return moved
}
