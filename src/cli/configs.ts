// `samsa configs [broker|topic]`: the config table, as documentation (name, type, default, doc).
import { BROKER_DEFS, TOPIC_DEFS, formatConfigValue } from '../broker/config/index.ts'
import type { ConfigDef } from '../broker/config/index.ts'

function line(def: ConfigDef): string {
  const dflt = formatConfigValue(def, def.default)
  const accepted = def.validValues ? ` one of: ${def.validValues.join(', ')}.`
    : def.min !== undefined || def.max !== undefined ? ` range: [${def.min ?? ''}, ${def.max ?? ''}].` : ''
  const from = def.brokerSynonyms?.length ? ` Broker default: ${def.brokerSynonyms.map((s) => s.name).join(' > ')}.` : ''
  const note = def.noEffect ? ' (accepted, no effect in Samsa)' : ''
  return `${def.name} (${def.type}, default ${dflt ?? 'none'})${note}\n    ${def.doc}${accepted}${from}`
}

export function configs(which: string): number {
  const out: string[] = []
  if (which !== 'topic') out.push('# Broker configs (server.properties, --set)', ...[...BROKER_DEFS.values()].map(line), '')
  if (which !== 'broker') out.push('# Topic configs (per topic; defaults from the broker keys named)', ...[...TOPIC_DEFS.values()].map(line), '')
  process.stdout.write(out.join('\n'))
  return 0
}
