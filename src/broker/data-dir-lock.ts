// One broker per data directory: a lock file created exclusively and holding the owner's pid.
// A lock left behind by a process that no longer exists (SIGKILL, power loss) is taken over, so a
// crash never blocks the next start.
import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

export const LOCK_FILE = '.lock'

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`data directory ${dir} is in use by another broker (pid ${pid})`)
    this.name = 'DataDirLockedError'
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx')
      await fh.writeFile(`${process.pid}\n`)
      await fh.close()
      return () => rm(path, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dir, pid)
    if (pid === process.pid) throw new DataDirLockedError(dir, pid)
    await rm(path, { force: true })
  }
  throw new Error(`cannot lock data directory ${dir}`)
}
