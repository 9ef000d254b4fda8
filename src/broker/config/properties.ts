// Parser for Java's .properties format (what Kafka's server.properties uses): '#'/'!' comments,
// key/value separated by '=', ':' or whitespace, backslash escapes (\t \n \r \f \uXXXX), and
// lines continued by an odd number of trailing backslashes. Later duplicates win, as in Java.

export interface PropertyEntry {
  readonly key: string
  readonly value: string
  /** 1-based line where the entry starts, for error messages. */
  readonly line: number
}

export class PropertiesSyntaxError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`)
    this.name = 'PropertiesSyntaxError'
  }
}

function endsWithOddBackslashes(line: string): boolean {
  let n = 0
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++
  return n % 2 === 1
}

/** Joins continued natural lines into logical lines, dropping blanks and comments. */
function logicalLines(text: string): { text: string, line: number }[] {
  const natural = text.split(/\r\n|\r|\n/)
  const out: { text: string, line: number }[] = []
  for (let i = 0; i < natural.length; i++) {
    const start = i
    let line = natural[i].replace(/^[ \t\f]+/, '')
    if (line === '' || line[0] === '#' || line[0] === '!') continue
    while (endsWithOddBackslashes(line)) {
      line = line.slice(0, -1)
      if (++i >= natural.length) break
      line += natural[i].replace(/^[ \t\f]+/, '')
    }
    out.push({ text: line, line: start + 1 })
  }
  return out
}

function unescape(raw: string, line: number): string {
  if (!raw.includes('\\')) return raw
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]
    if (c !== '\\') { out += c; continue }
    const next = raw[++i]
    if (next === undefined) break
    switch (next) {
      case 't': out += '\t'; break
      case 'n': out += '\n'; break
      case 'r': out += '\r'; break
      case 'f': out += '\f'; break
      case 'u': {
        const hex = raw.slice(i + 1, i + 5)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\u escape "\\u${hex}"`)
        out += String.fromCharCode(parseInt(hex, 16))
        i += 4
        break
      }
      default: out += next
    }
  }
  return out
}

function splitKeyValue(text: string, line: number): PropertyEntry {
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '\\') { i += 2; continue }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break
    i++
  }
  const rawKey = text.slice(0, Math.min(i, text.length))
  let j = i
  while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\f')) j++
  if (j < text.length && (text[j] === '=' || text[j] === ':')) j++
  while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\f')) j++
  return { key: unescape(rawKey, line), value: unescape(text.slice(j), line), line }
}

/** Parses .properties text into entries in file order (duplicates kept; callers let the last win). */
export function parseProperties(text: string): PropertyEntry[] {
  return logicalLines(text).map((l) => splitKeyValue(l.text, l.line))
}
