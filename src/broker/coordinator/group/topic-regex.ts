// SubscribedTopicRegex (ConsumerGroupHeartbeat v1+): Kafka evaluates it with RE2/J and a full
// match. JavaScript's RegExp accepts a superset of RE2's syntax, so what RE2 refuses
// (lookaround, backreferences, possessive quantifiers) is refused here too, `(?P<name>` is read
// as a named group and a leading `(?i)` as the i flag; the rest is matched anchored at both ends.

const RE2_UNSUPPORTED: readonly [RegExp, string][] = [
  [/\(\?<?[=!]/, 'lookaround assertions are not supported'],
  [/\\[1-9]|\\k</, 'backreferences are not supported'],
  [/[*+?}]\+/, 'possessive quantifiers are not supported'],
]

const cache = new Map<string, RegExp | string>()

/** The compiled full-match regex, or the reason it is invalid. */
export function compileTopicRegex(source: string): RegExp | string {
  const hit = cache.get(source)
  if (hit !== undefined) return hit
  const out = compile(source)
  if (cache.size > 1000) cache.clear()
  cache.set(source, out)
  return out
}

function compile(source: string): RegExp | string {
  if (source.length === 0) return 'the regular expression is empty'
  for (const [re, why] of RE2_UNSUPPORTED) if (re.test(source)) return why
  let body = source.replaceAll('(?P<', '(?<')
  let flags = 'u'
  if (body.startsWith('(?i)')) {
    body = body.slice(4)
    flags += 'i'
  }
  if (/\(\?[a-zA-Z-]+[):]/.test(body)) return 'inline flags other than a leading (?i) are not supported'
  try {
    return new RegExp(`^(?:${body})$`, flags)
  } catch (err) {
    return (err as Error).message
  }
}
