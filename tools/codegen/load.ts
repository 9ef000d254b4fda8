// Reads every schema file under the protocol folder, in a stable order.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { stripComments } from './strip-comments.ts'
import { buildMessage, type MessageSpec, type RawSchema } from './model.ts'

function listJson(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...listJson(p))
    else if (name.endsWith('.json')) out.push(p)
  }
  return out
}

export function loadSchemas(root: string, origin: MessageSpec['origin'] = 'primary'): MessageSpec[] {
  return listJson(root).map((path) => {
    const file = relative(root, path).split(sep).join('/')
    let raw: RawSchema
    try {
      raw = JSON.parse(stripComments(readFileSync(path, 'utf8'))) as RawSchema
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`, { cause: e })
    }
    return buildMessage(file, raw, origin)
  })
}
