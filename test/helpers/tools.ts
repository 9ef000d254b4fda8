// Locating the real client tools the interop tests drive. A missing tool is a failure with a
// clear message, never a silent skip: CI (.ci/run) installs every one of them.
import { accessSync, constants } from 'node:fs'
import { spawnSync } from 'node:child_process'

export class MissingToolError extends Error {
  constructor(tool: string, hint: string) {
    super(`required client tool '${tool}' is not available: ${hint}`)
    this.name = 'MissingToolError'
  }
}

/** Where each tool is looked for; Python must be Debian's, which carries the client modules. */
const KNOWN: Record<string, { paths: string[]; hint: string }> = {
  kcat: { paths: ['/usr/bin/kcat', '/usr/local/bin/kcat'], hint: 'apt-get install -y kcat' },
  python3: { paths: ['/usr/bin/python3'], hint: 'apt-get install -y python3' },
  openssl: { paths: ['/usr/bin/openssl'], hint: 'apt-get install -y openssl' },
}

const PY_MODULES: Record<string, string> = {
  confluent_kafka: 'apt-get install -y python3-confluent-kafka',
  kafka: 'apt-get install -y python3-kafka',
}

const found = new Map<string, string>()

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Absolute path of `tool` (kcat, python3); throws MissingToolError when it is not installed. */
export function requireTool(tool: string): string {
  const cached = found.get(tool)
  if (cached) return cached
  const known = KNOWN[tool] ?? { paths: [], hint: `install '${tool}'` }
  const path = known.paths.find(executable) ?? searchPath(tool)
  if (!path) throw new MissingToolError(tool, known.hint)
  found.set(tool, path)
  return path
}

/** Throws MissingToolError unless /usr/bin/python3 can import `module` (confluent_kafka, kafka). */
export function requirePythonModule(module: string): void {
  const key = `python:${module}`
  if (found.has(key)) return
  const python = requireTool('python3')
  const result = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 20_000 })
  if (result.status !== 0) {
    throw new MissingToolError(`python3 module ${module}`, PY_MODULES[module] ?? `pip install ${module}`)
  }
  found.set(key, python)
}

function searchPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && executable(`${dir}/${tool}`)) return `${dir}/${tool}`
  }
  return undefined
}
