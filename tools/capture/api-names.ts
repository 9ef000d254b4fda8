// Api key -> message name, read from Kafka's JSON definitions at capture time so the capture
// tool does not depend on the generated code (it is used to produce fixtures that test it).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const PROTOCOL_DIR = new URL('../../../shared/kafka-protocol/message/', import.meta.url).pathname

/** Strips // comments (the definitions are JSON with comments) outside of strings. */
function stripComments(text: string): string {
  return text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*/g, (_m, str: string | undefined) => str ?? '')
}

/** Map api key -> request name without the 'Request' suffix, e.g. 3 -> 'Metadata'. */
export function loadApiNames(dir = PROTOCOL_DIR): Map<number, string> {
  const names = new Map<number, string>()
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('Request.json')) continue
    const spec = JSON.parse(stripComments(readFileSync(join(dir, file), 'utf8'))) as { apiKey?: number; name: string }
    if (typeof spec.apiKey === 'number') names.set(spec.apiKey, spec.name.replace(/Request$/, ''))
  }
  return names
}
