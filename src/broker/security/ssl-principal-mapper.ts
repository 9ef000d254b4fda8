// ssl.principal.mapping.rules: how a TLS client's certificate subject (its RFC 2253 distinguished
// name) becomes a principal name, with Kafka's rule syntax. The value is a comma-separated list of
// rules tried in order; the first that applies gives the name:
//   DEFAULT                          the DN itself
//   RULE:<pattern>/<replacement>/    when the regular expression matches the whole DN, every match
//   RULE:<pattern>/<replacement>/L   of it is replaced (`$n` names a group); L / U then lower- or
//   RULE:<pattern>/<replacement>/U   upper-cases the result.
// In the pattern and the replacement a backslash escapes the next character (`\/` is a slash, `\,`
// a comma kept in the regular expression). A DN no rule applies to cannot be mapped: the client is
// refused, as Kafka refuses it.

export type MappingRule =
  | { readonly kind: 'default' }
  | { readonly kind: 'rule', readonly pattern: RegExp, readonly source: string, readonly replacement: string, readonly caseFold: '' | 'L' | 'U' }

export class MappingRuleError extends Error {}

/** Reads text up to the next unescaped '/'; escapes are kept as written (the regex engine reads them). */
function segment(text: string, from: number): { value: string, end: number } | undefined {
  let i = from
  while (i < text.length && text[i] !== '/') i += text[i] === '\\' ? 2 : 1
  return i < text.length ? { value: text.slice(from, i), end: i } : undefined
}

/** Parses the value of ssl.principal.mapping.rules (null or empty: DEFAULT). */
export function parseMappingRules(text: string | null | undefined): MappingRule[] {
  const s = (text ?? 'DEFAULT').trim()
  const rules: MappingRule[] = []
  let i = 0
  const skipSpace = () => {
    while (i < s.length && /\s/.test(s[i])) i++
  }
  while (i < s.length) {
    skipSpace()
    if (s[i] === ',') { // an empty rule: ignored
      i++
      continue
    }
    const start = i
    if (s.startsWith('DEFAULT', i)) {
      rules.push({ kind: 'default' })
      i += 'DEFAULT'.length
    } else if (s.startsWith('RULE:', i)) {
      const pattern = segment(s, i + 'RULE:'.length)
      const replacement = pattern && segment(s, pattern.end + 1)
      if (!pattern || !replacement) throw new MappingRuleError(`Invalid rule: ${s.slice(start).split(',')[0]} (RULE:<pattern>/<replacement>/[L|U] expected)`)
      i = replacement.end + 1
      const caseFold = s[i] === 'L' || s[i] === 'U' ? s[i] as 'L' | 'U' : ''
      if (caseFold) i++
      let regex: RegExp
      try {
        regex = new RegExp(pattern.value, 'g')
      } catch (err) {
        throw new MappingRuleError(`Invalid rule: RULE:${pattern.value}/${replacement.value}/${caseFold}: ${(err as Error).message}`)
      }
      rules.push({ kind: 'rule', pattern: regex, source: pattern.value, replacement: replacement.value, caseFold })
    } else {
      const end = s.indexOf(',', i)
      throw new MappingRuleError(`Invalid rule: ${s.slice(i, end < 0 ? undefined : end).trim()}`)
    }
    skipSpace()
    if (i < s.length && s[i] !== ',') {
      const end = s.indexOf(',', i)
      throw new MappingRuleError(`Invalid rule: \`${s.slice(start, end < 0 ? undefined : end).trim()}\`, unmatched substring: \`${s.slice(i, end < 0 ? undefined : end).trim()}\``)
    }
    i++
  }
  return rules
}

/**
 * The replacement text for one match: `$n` is group n (digits are taken while the number is still
 * a group of the pattern; `$` before a number that is no group stays literal), `\x` is x.
 */
function expand(replacement: string, groups: readonly (string | undefined)[]): string {
  const count = groups.length - 1
  let out = ''
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]
    if (c === '\\' && i + 1 < replacement.length) {
      out += replacement[++i]
    } else if (c === '$' && /[0-9]/.test(replacement[i + 1] ?? '')) {
      let n = Number(replacement[i + 1])
      if (n > count) {
        out += '$'
        continue
      }
      let j = i + 2
      while (j < replacement.length && /[0-9]/.test(replacement[j]) && n * 10 + Number(replacement[j]) <= count) n = n * 10 + Number(replacement[j++])
      out += groups[n] ?? ''
      i = j - 1
    } else {
      out += c
    }
  }
  return out
}

function applyRule(rule: MappingRule, dn: string): string | undefined {
  if (rule.kind === 'default') return dn
  const whole = new RegExp(`^(?:${rule.source})$`)
  if (!whole.test(dn)) return undefined
  rule.pattern.lastIndex = 0
  const mapped = dn.replace(rule.pattern, (...args: unknown[]) => {
    // args: match, groups..., offset, input[, named groups]
    const named = typeof args[args.length - 1] === 'object' && args[args.length - 1] !== null
    const groups = args.slice(0, args.length - (named ? 3 : 2)) as (string | undefined)[]
    return expand(rule.replacement, groups)
  })
  return rule.caseFold === 'L' ? mapped.toLowerCase() : rule.caseFold === 'U' ? mapped.toUpperCase() : mapped
}

export class SslPrincipalMapper {
  readonly rules: readonly MappingRule[]

  constructor(text: string | null | undefined) {
    this.rules = parseMappingRules(text)
  }

  /** The principal name for `dn`, or undefined when no rule applies. */
  name(dn: string): string | undefined {
    for (const rule of this.rules) {
      const name = applyRule(rule, dn)
      if (name !== undefined) return name
    }
    return undefined
  }

  toString(): string {
    return this.rules.map((r) => (r.kind === 'default' ? 'DEFAULT' : `RULE:${r.source}/${r.replacement}/${r.caseFold}`)).join(', ')
  }
}
