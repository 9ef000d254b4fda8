// `npm run gen`: reads Kafka's JSON schemas (../shared/kafka-protocol-4.4, or SAMSA_PROTOCOL_DIR)
// plus the older copy that still lists the versions Kafka 4 removed (../shared/kafka-protocol, or
// SAMSA_PROTOCOL_OLDER_DIR), and writes deterministic TypeScript codecs into src/protocol/generated/.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadSchemas } from './load.ts'
import { mergeSchemas } from './merge.ts'
import { emitModule, HEADER } from './emit-module.ts'
import { emitApiKeys, type ApiPair } from './emit-api-keys.ts'
import { emitSchemas } from './emit-schemas.ts'
import { kebab } from './names.ts'
import type { MessageSpec } from './model.ts'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const protocolDir = resolve(repo, process.env.SAMSA_PROTOCOL_DIR ?? '../shared/kafka-protocol-4.4')
const olderDir = resolve(repo, process.env.SAMSA_PROTOCOL_OLDER_DIR ?? '../shared/kafka-protocol')
const outDir = join(repo, 'src/protocol/generated')

const specs = mergeSchemas(loadSchemas(protocolDir), loadSchemas(olderDir, 'older'))
const files = new Map<string, string>()
const schemaEntries: { module: string; message: MessageSpec }[] = []
const hasStable = (m: MessageSpec) => m.valid.lo <= m.valid.hi

function addModule(path: string, messages: MessageSpec[]): void {
  const depth = path.split('/').length - 1
  const prims = `${'../'.repeat(depth + 1)}primitives/index.ts`
  files.set(path, emitModule(messages, prims))
  for (const m of messages) schemaEntries.push({ module: path, message: m })
}

// Requests and responses share a module per API key.
const byKey = new Map<number, { request?: MessageSpec; response?: MessageSpec }>()
for (const m of specs) {
  if (m.kind === 'request' || m.kind === 'response') {
    const e = byKey.get(m.apiKey!) ?? {}
    e[m.kind] = m
    byKey.set(m.apiKey!, e)
  }
}
const apis: ApiPair[] = []
for (const key of [...byKey.keys()].sort((a, b) => a - b)) {
  const { request, response } = byKey.get(key)!
  if (!request || !response) throw new Error(`api key ${key} lacks a request or a response`)
  const name = request.name.replace(/Request$/, '')
  // Only requests carry latestVersionUnstable; a response exists for the versions its request has.
  response.valid = { lo: Math.max(request.valid.lo, response.valid.lo), hi: Math.min(request.valid.hi, response.valid.hi) }
  const stable = hasStable(request) && hasStable(response)
  const module = stable ? `messages/${kebab(name)}.ts` : undefined
  if (module) addModule(module, [request, response])
  apis.push({ key, name, request, response, module })
}

const headers = specs.filter((m) => m.kind === 'header')
addModule('headers.ts', headers)

for (const m of specs) {
  if (m.kind === 'request' || m.kind === 'response' || m.kind === 'header') continue
  if (!hasStable(m)) continue
  const folder = m.file.startsWith('message/') ? 'data' : m.file.split('/')[0]!
  addModule(`${folder}/${kebab(m.name)}.ts`, [m])
}

files.set('api-keys.ts', emitApiKeys(apis))
files.set(
  'index.ts',
  `${HEADER}// Entry points that do not belong to one message; message codecs live in messages/<api>.ts.\nexport * from './api-keys.ts'\nexport * from './headers.ts'\n`,
)
files.set('schemas.json', emitSchemas(schemaEntries))

// Write, then remove stale files so a renamed schema leaves nothing behind.
let changed = 0
for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const full = join(outDir, path)
  mkdirSync(dirname(full), { recursive: true })
  if (!existsSync(full) || readFileSync(full, 'utf8') !== text) {
    writeFileSync(full, text)
    changed++
  }
}
function sweep(dir: string): void {
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) {
      sweep(full)
      if (readdirSync(full).length === 0) rmSync(full, { recursive: true })
    } else if (!files.has(relative(outDir, full).split(sep).join('/'))) {
      rmSync(full)
      changed++
    }
  }
}
sweep(outDir)
console.log(`codegen: ${files.size} files from ${specs.length} schemas (${changed} changed)`)
