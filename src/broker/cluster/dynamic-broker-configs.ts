// Dynamic broker configs (AlterConfigs / IncrementalAlterConfigs on the BROKER resource): the
// per-broker layer (resource name = this node id) and the cluster-wide default layer (resource
// name ""). Kept as raw strings, mirrored into BrokerConfig's dynamic layers, and persisted in
// one JSON file next to the cluster metadata (rewritten atomically), so they survive restarts
// like Kafka's do. Changes are all-or-nothing per resource: everything is validated first.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { BrokerConfig } from '../config/broker-config.ts'
import { BROKER_DEFS, parseConfigValue, unknownKey } from '../config/config-table.ts'
import { ConfigError } from '../config/config-error.ts'
import { parseListenerKey } from '../config/listener-prefix.ts'
import type { ConfigDef } from '../config/config-def.ts'
import { writeFileAtomic } from './atomic-file.ts'
import { perIpOverrides } from '../net/broker-connection-quotas.ts'

export const DYNAMIC_CONFIG_FILE = 'dynamic-broker-configs.json'

export type DynamicScope = 'per-broker' | 'cluster-wide'

interface FileShape {
  version: 1
  perBroker: Record<string, string>
  clusterWide: Record<string, string>
}

/** Throws ConfigError unless `raw` may be set dynamically for `name`. */
export function checkDynamicValue(name: string, raw: string): void {
  const def = brokerDefOf(name)
  if (def.dynamic === 'read-only') throw new ConfigError(name, 'cannot be updated dynamically (read-only; set it in the config file)')
  parseConfigValue(def, raw)
  if (name === 'max.connections.per.ip.overrides') perIpOverrides(raw)
}

/** The definition of a broker key, or of a `listener.name.<l>.` key's base key; ConfigError when unknown. */
export function brokerDefOf(name: string): ConfigDef {
  const prefixed = parseListenerKey(name)
  if (prefixed) return prefixed.def
  const def = BROKER_DEFS.get(name)
  if (!def) throw unknownKey(name, 'broker')
  return def
}

export class DynamicBrokerConfigs {
  readonly path: string
  private readonly layers: Record<DynamicScope, Map<string, string>> = { 'per-broker': new Map(), 'cluster-wide': new Map() }
  private writing: Promise<void> = Promise.resolve()

  /**
   * Loads the persisted layers (synchronously: this runs once, before any request is served) and
   * applies them to `config`. Entries that no longer validate are skipped, not fatal.
   */
  constructor(private readonly config: BrokerConfig, onSkip: (key: string, reason: string) => void = () => {}) {
    this.path = join(resolve(config.dataDir), DYNAMIC_CONFIG_FILE)
    let parsed: FileShape | undefined
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8')) as FileShape
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onSkip(this.path, `unreadable: ${(err as Error).message}`)
    }
    for (const scope of ['per-broker', 'cluster-wide'] as const) {
      const entries = scope === 'per-broker' ? parsed?.perBroker : parsed?.clusterWide
      for (const [key, raw] of Object.entries(entries ?? {})) {
        try {
          if (typeof raw !== 'string') throw new Error('not a string')
          checkDynamicValue(key, raw)
          config.setDynamic(key, raw, scope)
          this.layers[scope].set(key, raw)
        } catch (err) {
          onSkip(key, (err as Error).message)
        }
      }
    }
  }

  /** The raw values of one layer. */
  entries(scope: DynamicScope): ReadonlyMap<string, string> {
    return this.layers[scope]
  }

  /**
   * Replaces one layer with `next` (full set) — validated first, then applied and persisted.
   * With validateOnly nothing changes. Throws ConfigError.
   */
  async replace(scope: DynamicScope, next: ReadonlyMap<string, string>, validateOnly = false, check?: () => void): Promise<void> {
    for (const [key, raw] of next) checkDynamicValue(key, raw)
    if (validateOnly && !check) return
    const layer = this.layers[scope]
    this.install(scope, layer, next)
    // `check` judges the config as it would be (a listener's new key store): on a throw, or with
    // validateOnly, the old layer comes back.
    try {
      check?.()
    } catch (err) {
      this.install(scope, next, layer)
      throw err
    }
    if (validateOnly) {
      this.install(scope, next, layer)
      return
    }
    this.layers[scope] = new Map(next)
    await this.persist()
  }

  private install(scope: DynamicScope, from: ReadonlyMap<string, string>, to: ReadonlyMap<string, string>): void {
    for (const key of from.keys()) if (!to.has(key)) this.config.setDynamic(key, undefined, scope)
    for (const [key, raw] of to) this.config.setDynamic(key, raw, scope)
  }

  private persist(): Promise<void> {
    const body: FileShape = {
      version: 1,
      perBroker: Object.fromEntries(this.layers['per-broker']),
      clusterWide: Object.fromEntries(this.layers['cluster-wide']),
    }
    const text = JSON.stringify(body, null, 1) + '\n'
    this.writing = this.writing.catch(() => {}).then(() => writeFileAtomic(this.path, text))
    return this.writing
  }
}
