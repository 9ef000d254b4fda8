// Kafka's inline JAAS form (sasl.jaas.config): `<LoginModule class> <flag> key="value" key2=value;`.
// Only the first entry counts; Samsa reads the options (PLAIN's user_<name>="<password>"), the
// class name only decides which mechanism the entry is meant for.
import { ConfigError } from '../../config/config-error.ts'

export interface JaasEntry {
  readonly loginModule: string
  readonly flag: string
  readonly options: ReadonlyMap<string, string>
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional'])

/** Splits into words and quoted strings (quotes removed, `\"` and `\\` unescaped), keeping `=` and `;` as tokens. */
function tokenize(key: string, text: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (/\s/.test(c)) { i++; continue }
    if (c === '=' || c === ';') { out.push(c); i++; continue }
    if (c === '"') {
      let s = ''
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++
        s += text[i++]
      }
      if (i >= text.length) throw new ConfigError(key, 'unterminated quoted value in the JAAS config')
      i++
      out.push(`"${s}`) // marked as quoted so `=`/`;` inside are values
      continue
    }
    let s = ''
    while (i < text.length && !/[\s=;"]/.test(text[i])) s += text[i++]
    out.push(s)
  }
  return out
}

const unquote = (t: string) => (t.startsWith('"') ? t.slice(1) : t)

export function parseJaas(key: string, text: string): JaasEntry {
  const t = tokenize(key, text)
  const loginModule = t[0] !== undefined ? unquote(t[0]) : ''
  const flag = t[1] !== undefined ? unquote(t[1]).toLowerCase() : ''
  if (!loginModule || !FLAGS.has(flag)) {
    throw new ConfigError(key, 'expected "<LoginModule class> required key=\\"value\\" ...;" (JAAS form)')
  }
  const options = new Map<string, string>()
  let i = 2
  while (i < t.length && t[i] !== ';') {
    const name = unquote(t[i])
    if (t[i + 1] !== '=' || t[i + 2] === undefined || t[i + 2] === ';') throw new ConfigError(key, `JAAS option ${name} has no value`)
    options.set(name, unquote(t[i + 2]))
    i += 3
  }
  if (t[i] !== ';') throw new ConfigError(key, 'the JAAS entry must end with ";"')
  return { loginModule, flag, options }
}
