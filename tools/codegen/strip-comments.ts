// Kafka's schema files are JSON with `//` and `/* */` comments. Strip them without touching
// `//` inside string values (some `about` texts contain URLs).

export function stripComments(text: string): string {
  let out = ''
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]!
    if (c === '"') {
      // Copy a string literal verbatim, honouring backslash escapes.
      let j = i + 1
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end < 0) throw new Error('unterminated block comment')
      // Keep line breaks so JSON.parse errors still point at the right line.
      out += text.slice(i, end + 2).replace(/[^\n]/g, ' ')
      i = end + 2
    } else {
      out += c
      i++
    }
  }
  return out
}
