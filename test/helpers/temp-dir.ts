// Temporary directories for tests, removed on request or, at the latest, when the test
// process exits (so a failed test does not leave data directories behind).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const live = new Set<string>()
let hooked = false

export function makeTempDir(prefix = 'samsa-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  live.add(dir)
  if (!hooked) {
    hooked = true
    process.once('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true })
    })
  }
  return dir
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  live.delete(dir)
}
