// Per-group configs (Kafka's GroupConfig; DescribeConfigs / AlterConfigs / IncrementalAlterConfigs
// on GROUP resources, type 32): the share-group keys Samsa acts on — share.auto.offset.reset
// (latest, earliest, by_duration:<ISO-8601>),
// share.isolation.level, share.record.lock.duration.ms and share.delivery.count.limit — each
// group's overrides kept as raw strings and persisted in one JSON file in the data directory
// (rewritten atomically), loaded at start. Without an override a group gets the broker default
// (group.share.* for the lock duration and the delivery limit).
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { BrokerConfig } from '../config/broker-config.ts'
import { ConfigError } from '../config/config-error.ts'
import { writeFileAtomic } from './atomic-file.ts'
import { parseShareAutoOffsetReset } from '../share/share-offset-reset.ts'

export const GROUP_CONFIG_FILE = 'group-configs.json'

export interface GroupConfigDef {
  readonly name: string
  readonly type: 'string' | 'int'
  readonly doc: string
  /** The value a group without an override gets. */
  readonly dflt: (config: BrokerConfig) => string
  /** Throws ConfigError for a bad value. */
  readonly check: (raw: string, config: BrokerConfig) => void
}

const oneOf = (name: string, values: readonly string[]) => (raw: string) => {
  if (!values.includes(raw)) throw new ConfigError(name, `"${raw}" is not one of ${values.join(', ')}`)
}
const intIn = (name: string, minKey: string, maxKey: string) => (raw: string, config: BrokerConfig) => {
  const n = Number(raw)
  const min = config.int(minKey)
  const max = config.int(maxKey)
  if (!/^-?\d+$/.test(raw.trim()) || n < min || n > max) throw new ConfigError(name, `"${raw}" is not an integer in [${min}, ${max}]`)
}

const checkOffsetReset = (raw: string) => {
  try {
    parseShareAutoOffsetReset(raw)
  } catch (err) {
    throw new ConfigError('share.auto.offset.reset', (err as Error).message)
  }
}

export const GROUP_CONFIG_DEFS: readonly GroupConfigDef[] = [
  { name: 'share.auto.offset.reset', type: 'string', doc: 'Where a share-partition without state starts: latest, earliest or by_duration:<ISO-8601 duration> (KIP-1106).', dflt: () => 'latest', check: checkOffsetReset },
  { name: 'share.isolation.level', type: 'string', doc: 'read_uncommitted (up to the high watermark) or read_committed (up to the last stable offset, aborted records skipped).', dflt: () => 'read_uncommitted', check: oneOf('share.isolation.level', ['read_uncommitted', 'read_committed']) },
  { name: 'share.record.lock.duration.ms', type: 'int', doc: 'How long an acquired record stays locked to its consumer.', dflt: (c) => String(c.int('group.share.record.lock.duration.ms')), check: intIn('share.record.lock.duration.ms', 'group.share.min.record.lock.duration.ms', 'group.share.max.record.lock.duration.ms') },
  { name: 'share.delivery.count.limit', type: 'int', doc: 'Deliveries after which a released record is archived.', dflt: (c) => String(c.int('group.share.delivery.count.limit')), check: intIn('share.delivery.count.limit', 'group.share.min.delivery.count.limit', 'group.share.max.delivery.count.limit') },
]

export const GROUP_CONFIG_DEF_BY_NAME = new Map(GROUP_CONFIG_DEFS.map((d) => [d.name, d]))

export class GroupConfigs {
  readonly path: string
  private readonly groups = new Map<string, Map<string, string>>()
  private writing: Promise<void> = Promise.resolve()

  constructor(private readonly config: BrokerConfig, onSkip: (key: string, reason: string) => void = () => {}) {
    this.path = join(resolve(config.dataDir), GROUP_CONFIG_FILE)
    let parsed: { version: 1, groups: Record<string, Record<string, string>> } | undefined
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8')) as typeof parsed
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onSkip(this.path, `unreadable: ${(err as Error).message}`)
    }
    for (const [groupId, entries] of Object.entries(parsed?.groups ?? {})) {
      const m = new Map<string, string>()
      for (const [key, raw] of Object.entries(entries)) {
        try {
          this.check(key, raw)
          m.set(key, raw)
        } catch (err) {
          onSkip(key, (err as Error).message)
        }
      }
      if (m.size > 0) this.groups.set(groupId, m)
    }
  }

  /** Throws ConfigError unless `raw` is a valid value of group config `key`. */
  check(key: string, raw: string): void {
    const def = GROUP_CONFIG_DEF_BY_NAME.get(key)
    if (!def) throw new ConfigError(key, `unknown group config (known: ${GROUP_CONFIG_DEFS.map((d) => d.name).join(', ')})`)
    def.check(raw, this.config)
  }

  entries(groupId: string): ReadonlyMap<string, string> {
    return this.groups.get(groupId) ?? new Map()
  }

  /** Replaces a group's overrides with `next` (validated first; validateOnly changes nothing). */
  async replace(groupId: string, next: ReadonlyMap<string, string>, validateOnly = false): Promise<void> {
    for (const [key, raw] of next) this.check(key, raw)
    if (validateOnly) return
    if (next.size === 0) this.groups.delete(groupId)
    else this.groups.set(groupId, new Map(next))
    const body = { version: 1, groups: Object.fromEntries([...this.groups].map(([g, m]) => [g, Object.fromEntries(m)])) }
    const text = JSON.stringify(body, null, 1) + '\n'
    this.writing = this.writing.catch(() => {}).then(() => writeFileAtomic(this.path, text))
    return this.writing
  }
}
