// Builds the broker config from the sources `samsa start` accepts, in increasing precedence:
// table defaults < --config file < --data-dir < --set key=value. Nothing is written here.
import { readFileSync } from 'node:fs'
import { BrokerConfig } from './broker-config.ts'
import { ConfigError } from './config-error.ts'
import { parseProperties, PropertiesSyntaxError } from './properties.ts'
import { BROKER_DEFS, parseConfigValue, unknownKey } from './config-table.ts'
import { parseListenerKey } from './listener-prefix.ts'

export interface ConfigSources {
  /** Path of a Kafka-style server.properties file. */
  readonly configFile?: string
  /** `--data-dir`: sets log.dirs. */
  readonly dataDir?: string
  /** `--port`: the port of the PLAINTEXT listener (of `listeners` from the file, else the default). */
  readonly port?: number
  /** `--set key=value` overrides, in command-line order. */
  readonly sets?: readonly string[]
}

export function splitAssignment(text: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new ConfigError(text, 'expected key=value')
  return [text.slice(0, eq).trim(), text.slice(eq + 1)]
}

/** Validates one entry on its own so the error can say where it came from. */
function checkEntry(key: string, value: string, where: string): void {
  try {
    const def = parseListenerKey(key)?.def ?? BROKER_DEFS.get(key)
    if (!def) throw unknownKey(key, 'broker')
    parseConfigValue(def, value)
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(key, `${err.message.slice(err.key.length + 2)} (${where})`)
    throw err
  }
}

/** `listeners` (as set so far, else the default) with the PLAINTEXT listener moved to `port`. */
function withPlaintextPort(entries: readonly [string, string][], port: number): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port', `${port} is not a port number (0-65535)`)
  const given = [...entries].reverse().find(([k]) => k === 'listeners')
  const current = given ? parseConfigValue(BROKER_DEFS.get('listeners')!, given[1]) : BROKER_DEFS.get('listeners')!.default
  const items = (current as readonly string[]).map((l) => l.trim())
  const i = items.findIndex((l) => /^PLAINTEXT:\/\//i.test(l))
  if (i < 0) throw new ConfigError('--port', `listeners (${items.join(',')}) has no PLAINTEXT listener; set listeners instead`)
  items[i] = items[i].replace(/:\d+$/, `:${port}`)
  return items.join(',')
}

export function loadBrokerConfig(sources: ConfigSources): BrokerConfig {
  const entries: [string, string][] = []
  if (sources.configFile !== undefined) {
    let text: string
    try {
      text = readFileSync(sources.configFile, 'utf8')
    } catch (err) {
      throw new ConfigError('--config', `cannot read ${sources.configFile}: ${(err as Error).message}`)
    }
    try {
      for (const e of parseProperties(text)) {
        checkEntry(e.key, e.value, `${sources.configFile} line ${e.line}`)
        entries.push([e.key, e.value])
      }
    } catch (err) {
      if (err instanceof PropertiesSyntaxError) throw new ConfigError('--config', `${sources.configFile} ${err.message}`)
      throw err
    }
  }
  if (sources.dataDir !== undefined) entries.push(['log.dirs', sources.dataDir])
  if (sources.port !== undefined) entries.push(['listeners', withPlaintextPort(entries, sources.port)])
  for (const s of sources.sets ?? []) {
    const [key, value] = splitAssignment(s)
    checkEntry(key, value, `--set ${s}`)
    entries.push([key, value])
  }
  return new BrokerConfig(entries)
}
