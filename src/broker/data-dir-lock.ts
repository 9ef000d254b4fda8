// One broker per data directory: an exclusive advisory lock on `<dir>/.lock`, held through an open
// file descriptor for the broker's lifetime. The kernel drops the lock when the descriptor closes,
// so a process that dies in any way (SIGKILL, OOM kill, power loss) never blocks the next start,
// and no pid is ever guessed alive or dead: a container's broker is PID 1 after every restart, and
// a zombie or a reused pid looks alive. The pid written into the file only names the holder in
// the error message.
//
// Why fs-native-extensions: Node has no flock/fcntl, and the package is maintained (Holepunch) and
// ships prebuilt binaries for Linux, macOS and Windows inside the npm package (no compiler, no
// download). On Linux it takes an open-file-description lock (F_OFD_SETLK), which also excludes a
// second broker inside the same process (embedded brokers in one test run). A lock on the file,
// unlike an abstract-namespace Unix socket named after the path, holds across network namespaces
// (two containers sharing one volume) and whatever path the directory is mounted under.
import { closeSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync, ftruncateSync } from 'node:fs'
import { join } from 'node:path'
import fsx from 'fs-native-extensions'

export const LOCK_FILE = '.lock'

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number | undefined) {
    const who = pid === process.pid ? 'another broker in this process' : `another broker${pid ? ` (pid ${pid})` : ''}`
    super(`data directory ${dir} is in use by ${who}`)
    this.name = 'DataDirLockedError'
  }
}

function holderPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** The path still names the file behind `fd` (a clean shutdown unlinks the lock file before releasing it). */
function stillLinked(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd)
    const b = statSync(path)
    return a.ino === b.ino && a.dev === b.dev
  } catch {
    return false
  }
}

/** Locks `dir` (which must exist) or throws DataDirLockedError. Returns the release function. */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 5; attempt++) {
    const fd = openSync(path, 'a+')
    let locked: boolean
    try {
      locked = fsx.tryLock(fd)
    } catch (err) {
      closeSync(fd)
      throw new Error(`cannot lock data directory ${dir}: ${(err as Error).message}`)
    }
    if (!locked) {
      closeSync(fd)
      throw new DataDirLockedError(dir, holderPid(path))
    }
    // We locked a file that the previous holder unlinked on its way out: start again on the new one.
    if (!stillLinked(fd, path)) {
      closeSync(fd)
      continue
    }
    ftruncateSync(fd, 0)
    writeSync(fd, `${process.pid}\n`)
    let released = false
    return async () => {
      if (released) return
      released = true
      // Unlink while still holding the lock, so nobody locks the file we are about to let go of.
      try { unlinkSync(path) } catch { /* already gone */ }
      closeSync(fd)
    }
  }
  throw new Error(`cannot lock data directory ${dir}: its lock file keeps being replaced`)
}
