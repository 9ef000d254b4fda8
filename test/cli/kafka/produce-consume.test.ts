// `samsa produce` and `samsa consume` as real processes: keys, headers, partitions, files, the
// acknowledged count, values / templates / --json, -o beginning|end|OFFSET|@TIMESTAMP, -n.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Admin } from '../../../src/client/index.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { cliBroker, ok, okJson } from './helpers.ts'

interface Json { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: Record<string, string> }
const jsonLines = (out: string): Json[] => out.trim().split('\n').map((l) => JSON.parse(l) as Json)

test('produce from stdin and a file; consume as values, templates and JSON from any start', { timeout: 60_000 }, async () => {
  const broker = await cliBroker()
  const dir = makeTempDir('samsa-cli-produce-')
  const b = ['-b', broker.bootstrap]
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    await admin.createTopics([{ topic: 'lines', numPartitions: 2 }, { topic: 'keyed', numPartitions: 1 }])
    const file = join(dir, 'input.txt')
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n')
    const before = Date.now()
    const [fromFile, fromStdin] = await Promise.all([
      ok(['produce', 'lines', '-f', file, '-p', '1', ...b]),
      okJson(['produce', 'keyed', '-k', '::', '-H', 'source=cli', '-H', 'n=1', ...b], { input: 'k1::v1\nk2::v2\nno key here\n' }),
    ])
    assert.equal(fromFile, '100 records acknowledged by lines\n')
    assert.deepEqual(fromStdin, { topic: 'keyed', acknowledged: 3 })

    const [values, template, json, fromOffset, fromEnd] = await Promise.all([
      ok(['consume', 'lines', '-n', '100', ...b]),
      ok(['consume', 'keyed', '-n', '3', '-f', '%k|%s|%p|%o|%h', ...b]),
      ok(['consume', 'keyed', '-n', '3', '--json', ...b]),
      ok(['consume', 'lines', '-o', '98', '-n', '2', ...b]),
      ok(['consume', 'lines', '-o', 'end', '-n', '0', ...b]),
    ])
    assert.equal(values, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''), 'the file went to partition 1, in order')
    assert.equal(template, 'k1|v1|0|0|source=cli,n=1\nk2|v2|0|1|source=cli,n=1\n|no key here|0|2|source=cli,n=1\n')
    const records = jsonLines(json)
    assert.deepEqual(records.map(({ timestamp: _t, ...r }) => r), [
      { topic: 'keyed', partition: 0, offset: 0, key: 'k1', value: 'v1', headers: { source: 'cli', n: '1' } },
      { topic: 'keyed', partition: 0, offset: 1, key: 'k2', value: 'v2', headers: { source: 'cli', n: '1' } },
      { topic: 'keyed', partition: 0, offset: 2, key: null, value: 'no key here', headers: { source: 'cli', n: '1' } },
    ])
    assert.ok(records.every((r) => r.timestamp >= before - 1000 && r.timestamp <= Date.now()))
    assert.equal(fromOffset, 'line 98\nline 99\n')
    assert.equal(fromEnd, '')

    // @TIMESTAMP: only records at or after it (two new records, after a pause).
    await new Promise((r) => setTimeout(r, 20))
    const at = Date.now()
    await ok(['produce', 'keyed', ...b], { input: 'later 1\nlater 2\n' })
    const [since, both] = await Promise.all([
      ok(['consume', 'keyed', '-o', `@${at}`, '-n', '2', ...b]),
      ok(['consume', 'keyed', 'lines', '-o', `@${new Date(at).toISOString()}`, '-n', '2', '--json', ...b]),
    ])
    assert.equal(since, 'later 1\nlater 2\n')
    assert.deepEqual(jsonLines(both).map((r) => [r.topic, r.offset, r.value]), [['keyed', 3, 'later 1'], ['keyed', 4, 'later 2']], 'of two topics, only records after the time')
  } finally {
    await admin.close()
    removeTempDir(dir)
    await broker.close()
  }
})
