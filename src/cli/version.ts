// The package version for `samsa --version`: read from the package.json above this module, which
// is two levels up from src/cli and three from dist/src/cli (so it works from source and build).
import { readFileSync } from 'node:fs'

export function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'samsa' && pkg.version) return pkg.version
    } catch {
      // not at this level
    }
  }
  return 'unknown'
}
