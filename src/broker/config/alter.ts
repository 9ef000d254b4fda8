// Topic config changes (AlterConfigs replaces all overrides; IncrementalAlterConfigs applies
// SET / DELETE / APPEND / SUBTRACT per key), validated against the topic table. The result is the
// new override record to store in cluster metadata; problems throw ConfigError (-> INVALID_CONFIG).
import { TOPIC_DEFS, formatConfigValue, parseConfigValue, unknownKey } from './config-table.ts'
import { ConfigError } from './config-error.ts'
import type { BrokerConfig } from './broker-config.ts'

/** Kafka's IncrementalAlterConfigs operation codes. */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const

export interface ConfigOp {
  readonly name: string
  readonly op: number
  readonly value: string | null
}

function normalize(name: string, value: string): string {
  const def = TOPIC_DEFS.get(name)
  if (!def) throw unknownKey(name, 'topic')
  return formatConfigValue(def, parseConfigValue(def, value)) ?? ''
}

/** Legacy AlterConfigs: the given entries become the complete set of overrides. */
export function replaceTopicConfigs(entries: readonly { name: string, value: string | null }[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of entries) {
    if (e.value === null) throw new ConfigError(e.name, 'a null value is not allowed')
    out[e.name] = normalize(e.name, e.value)
  }
  return out
}

/** IncrementalAlterConfigs on one topic's overrides; returns the new overrides (input untouched). */
export function applyTopicConfigOps(broker: BrokerConfig, current: Readonly<Record<string, string>>, ops: readonly ConfigOp[]): Record<string, string> {
  const out: Record<string, string> = { ...current }
  const seen = new Set<string>()
  for (const { name, op, value } of ops) {
    const def = TOPIC_DEFS.get(name)
    if (!def) throw unknownKey(name, 'topic')
    if (seen.has(name)) throw new ConfigError(name, 'appears more than once in the request')
    seen.add(name)
    switch (op) {
      case AlterConfigOp.SET:
        if (value === null) throw new ConfigError(name, 'a null value is not allowed')
        out[name] = normalize(name, value)
        break
      case AlterConfigOp.DELETE:
        delete out[name]
        break
      case AlterConfigOp.APPEND:
      case AlterConfigOp.SUBTRACT: {
        if (def.type !== 'list') throw new ConfigError(name, `${op === AlterConfigOp.APPEND ? 'APPEND' : 'SUBTRACT'} needs a list config (this one is ${def.type})`)
        if (value === null) throw new ConfigError(name, 'a null value is not allowed')
        const base = Object.hasOwn(out, name) ? (parseConfigValue(def, out[name]) as readonly string[])
          : (broker.topicDefault(name).value as readonly string[] | null) ?? []
        const items = parseConfigValue(def, value) as readonly string[]
        const next = op === AlterConfigOp.APPEND ? [...base, ...items.filter((i) => !base.includes(i))] : base.filter((i) => !items.includes(i))
        out[name] = next.join(',')
        break
      }
      default:
        throw new ConfigError(name, `unknown operation ${op} (expected 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`)
    }
  }
  return out
}
