// The broker's claim on its data directories at start-up, ordered so that a start that fails
// leaves nothing behind: `check` only reads (every log dir is a directory or absent), `claim`
// creates the first one if needed and locks it, `abandon` undoes both after a failed start
// (removing the directory only if this start created it).
import { mkdir, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { lockDataDir } from './data-dir-lock.ts'

export class DataDirError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DataDirError'
  }
}

export class DataDirClaim {
  private unlock: (() => Promise<void>) | undefined
  /** The top-most directory this start created, removed again by abandon(). */
  private created: string | undefined

  private constructor(readonly dataDir: string, readonly exists: boolean) {}

  /** Reads only: throws DataDirError when a log dir (or a path above it) is a file. */
  static async check(logDirs: readonly string[]): Promise<DataDirClaim> {
    const exists = await Promise.all(logDirs.map((d) => isDirectory(resolve(d))))
    return new DataDirClaim(resolve(logDirs[0]), exists[0])
  }

  /** Creates (if needed) and locks the metadata directory; idempotent. */
  async claim(): Promise<void> {
    if (this.unlock) return
    this.created ??= await mkdir(this.dataDir, { recursive: true })
    this.unlock = await lockDataDir(this.dataDir)
  }

  /** Releases the lock (clean shutdown). */
  async release(): Promise<void> {
    await this.unlock?.()
    this.unlock = undefined
  }

  /** After a failed start: release, and remove what this start created (never a directory another broker holds). */
  async abandon(): Promise<void> {
    const held = this.unlock !== undefined
    await this.release()
    if (held && this.created !== undefined) await rm(this.created, { recursive: true, force: true })
    this.created = undefined
  }
}

/** False when absent; throws DataDirError when the path (or a part of it) is not a directory. */
async function isDirectory(dir: string): Promise<boolean> {
  try {
    if ((await stat(dir)).isDirectory()) return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return false
    if (code === 'ENOTDIR') throw new DataDirError(`data directory ${dir} cannot be created: part of its path is a file`)
    if (code === 'EACCES') throw new DataDirError(`data directory ${dir} cannot be read: permission denied`)
    throw err
  }
  throw new DataDirError(`data directory ${dir} exists but is not a directory`)
}
