// Small filesystem helpers with the durability steps spelled out.
import { randomBytes } from 'node:crypto'
import { unlinkSync } from 'node:fs'
import { open, rename, rm, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** fsync a directory so that creates, renames and unlinks inside it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

let tmpCounter = 0

/** Writes a file so that a crash leaves either the old or the new content: temp, fsync, rename, fsync dir. */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  // A unique temp name: two writers of the same file must not share (and truncate) one temp file.
  const tmp = `${path}.${process.pid}-${++tmpCounter}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  await fsyncDir(dirname(path))
}

/**
 * fsyncs a file written without fsync (a roll's producer snapshot; its directory entry needs a
 * `fsyncDir` after the rename too). Gone by now (deleted or truncated away): nothing to do.
 */
export async function fsyncFileIfExists(path: string): Promise<void> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (e) {
    if (isNotFound(e)) return
    throw e
  }
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

export function unlinkIfExistsSync(path: string): void {
  try {
    unlinkSync(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
}

export async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
}

export const rmrf = (path: string): Promise<void> => rm(path, { recursive: true, force: true })

/** Removes a directory, renamed first (`<name>.<nonce><suffix>`, durably) so a crash cannot resurrect it. */
export async function removeDirDurably(dir: string, suffix: string): Promise<void> {
  const nonce = randomBytes(6).toString('hex')
  const doomed = join(dirname(dir), `${basename(dir)}.${nonce}${suffix}`)
  await rename(dir, doomed)
  await fsyncDir(dirname(dir))
  await rmrf(doomed)
}

export const isNotFound = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT'
