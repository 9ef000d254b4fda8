// Minimal formatter for generated code: the emitters write unindented lines; this indents
// them by brace depth (2 spaces) and renames unused parameters to `_name` so the output
// passes `noUnusedParameters`.

export function indent(text: string): string {
  let depth = 0
  const out: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') {
      out.push('')
      continue
    }
    const isComment = line.startsWith('/**') || line.startsWith('*') || line.startsWith('//')
    const code = isComment ? '' : line.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`/g, "''")
    const opens = (code.match(/[{([]/g) ?? []).length
    const closes = (code.match(/[})\]]/g) ?? []).length
    const leadingClose = /^[})\]]/.test(code) ? 1 : 0
    const d = Math.max(0, depth - leadingClose)
    out.push(' '.repeat(2 * d + (line.startsWith('*') ? 1 : 0)) + line)
    depth = Math.max(0, depth + opens - closes)
  }
  return out.join('\n')
}

/** Prefixes parameters a function body never mentions with `_`. */
export function markUnusedParams(chunk: string): string {
  const m = /^(export function \w+\()([^)]*)(\)[^{]*\{\n)/m.exec(chunk)
  if (!m) return chunk
  const body = chunk.slice(m.index + m[0].length)
  const params = m[2]!
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const name = p.split(/[:=?]/)[0]!.trim()
      return new RegExp(`(?<![.\\w$])${name}\\b(?!\\s*:)`).test(body) ? p : `_${p}`
    })
  return chunk.slice(0, m.index) + m[1] + params.join(', ') + m[3] + body
}
