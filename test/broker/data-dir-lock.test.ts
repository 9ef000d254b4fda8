// The data-directory lock is held by the kernel for a live process only: stale lock files (our own
// pid after a container restart, a reused pid) never block a start, a SIGKILLed holder releases
// it at once, and a live holder — in another process or this one — is named in the error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../src/broker/data-dir-lock.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

test('a lock file left behind naming this process (PID 1 in a container) or another live process does not block', async () => {
  const dir = makeTempDir()
  try {
    for (const pid of [process.pid, process.ppid, 1]) {
      writeFileSync(join(dir, LOCK_FILE), `${pid}\n`)
      const unlock = await lockDataDir(dir)
      await unlock()
      assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'a clean release removes the lock file')
    }
  } finally {
    removeTempDir(dir)
  }
})

test('a second lock in the same process is refused until the first is released', async () => {
  const dir = makeTempDir()
  try {
    const unlock = await lockDataDir(dir)
    await assert.rejects(lockDataDir(dir), (err: unknown) => err instanceof DataDirLockedError &&
      err.message === `data directory ${dir} is in use by another broker in this process`)
    await unlock()
    await unlock() // idempotent
    const again = await lockDataDir(dir)
    await again()
  } finally {
    removeTempDir(dir)
  }
})

test('a live holder in another process is named; once it is SIGKILLed the lock is free at once', async () => {
  const dir = makeTempDir()
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    `import { lockDataDir } from './src/broker/data-dir-lock.ts'; await lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000)`],
  { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const [line] = await once(child.stdout!, 'data') as [Buffer]
    assert.equal(line.toString().trim(), 'locked')
    await assert.rejects(lockDataDir(dir), new RegExp(`in use by another broker \\(pid ${child.pid}\\)`))
    child.kill('SIGKILL')
    await once(child, 'exit')
    const unlock = await lockDataDir(dir)
    await unlock()
  } finally {
    child.kill('SIGKILL')
    removeTempDir(dir)
  }
})
