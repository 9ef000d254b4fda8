// The high watermarks of this broker's partitions, persisted (Kafka's
// `replication-offset-checkpoint`: `topic partition hw` lines, here in storage's checksummed
// checkpoint layout) every replica.high.watermark.checkpoint.interval.ms and at shutdown. A replica
// of a multi-replica partition starts from it (capped by its log) instead of from the log start,
// so after a restart consumers and coordinators need not wait for the followers to re-teach it.
// It may lag the true HW by one interval: the HW only ever re-learns forward from there.
import { join } from 'node:path'
import { readCheckpoint, writeCheckpoint } from '../../storage/checkpoint.ts'
import { Mutex } from '../../storage/mutex.ts'

export const HW_CHECKPOINT_FILE = 'replication-offset-checkpoint'

export class HighWatermarkCheckpoint {
  private readonly writes = new Mutex()

  private constructor(private readonly path: string, private readonly loaded: Map<string, number>) {}

  /** Reads the checkpoint in `dir` (missing or corrupt: empty, every HW re-learned). */
  static async load(dir: string): Promise<HighWatermarkCheckpoint> {
    const path = join(dir, HW_CHECKPOINT_FILE)
    const read = await readCheckpoint(path)
    const map = new Map<string, number>()
    if (read.status === 'ok') {
      for (const line of read.lines) {
        const m = /^(\S+) (\d+) (\d+)$/.exec(line)
        if (m) map.set(`${m[1]} ${m[2]}`, Number(m[3]))
      }
    }
    return new HighWatermarkCheckpoint(path, map)
  }

  /** The HW recorded for `topic`-`partition` at the last write before this start-up. */
  recorded(topic: string, partition: number): number | undefined {
    return this.loaded.get(`${topic} ${partition}`)
  }

  /** Writes every given partition's HW (calls are serialised; the file ends with the latest). */
  write(entries: Iterable<{ topic: string, partition: number, hw: number }>): Promise<void> {
    const lines: string[] = []
    for (const e of entries) lines.push(`${e.topic} ${e.partition} ${e.hw}`)
    return this.writes.run(() => writeCheckpoint(this.path, lines))
  }
}
