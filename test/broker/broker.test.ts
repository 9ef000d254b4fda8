import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { startBroker, ConfigError } from '../../src/broker/index.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'

test('startBroker: invalid config throws ConfigError before anything is written', async () => {
  const parent = makeTempDir()
  try {
    const dataDir = join(parent, 'data')
    await assert.rejects(startBroker({ dataDir, config: { 'num.partitions': 0 } }), (e: unknown) => e instanceof ConfigError && e.key === 'num.partitions')
    // A typo is a compile error in TypeScript; JavaScript callers still get a clear runtime error.
    // @ts-expect-error 'no.such' is not a key of BrokerConfigs
    await assert.rejects(startBroker({ config: { 'no.such': 1 } }), /no\.such: unknown broker config/)
    assert.deepEqual(readdirSync(parent), [])
  } finally {
    removeTempDir(parent)
  }
})

test('startBroker with a given data dir keeps it on close, and a second broker cannot share it', async () => {
  const dir = makeTempDir()
  try {
    const a = await startBroker({ dataDir: dir })
    await assert.rejects(startBroker({ dataDir: dir }), /in use by another broker/)
    await a.close()
    assert.ok(existsSync(join(dir, 'cluster-metadata.json')))
    const b = await startBroker({ dataDir: dir })
    assert.notEqual(b.port, 0)
    await b.close()
  } finally {
    removeTempDir(dir)
  }
})
