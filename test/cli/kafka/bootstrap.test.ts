// Where the Kafka-facing commands connect: -b, then -X bootstrap.servers / --command-config, then
// SAMSA_BOOTSTRAP, then localhost:9092; and the one line they print when nothing answers there.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { cliBroker, samsa } from './helpers.ts'

test('bootstrap from -b, properties and SAMSA_BOOTSTRAP; no broker at the address', { timeout: 60_000 }, async () => {
  const broker = await cliBroker()
  const dir = makeTempDir('samsa-cli-bootstrap-')
  try {
    const props = join(dir, 'client.properties')
    writeFileSync(props, `# as the Kafka tools take it\nbootstrap.servers = ${broker.bootstrap}\nclient.id: from-file\n`)
    const cases: [string[], number, string | RegExp, Record<string, string>?][] = [
      [['topic', 'list', '-b', '127.0.0.1:1', '-X', 'retries=1'], 1, /^samsa topic list: cannot connect to 127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/],
      [['cluster', 'info', '-X', 'retries=1'], 1, /^samsa cluster info: cannot connect to 127\.0\.0\.1:2: .*\n$/, { SAMSA_BOOTSTRAP: '127.0.0.1:2' }],
      [['topic', 'list', '--command-config', join(dir, 'missing.properties')], 1, `samsa topic list: cannot read --command-config ${join(dir, 'missing.properties')}: ENOENT\n`],
    ]
    const results = await Promise.all(cases.map(([args, , , env]) => samsa(args, env ? { env } : {})))
    cases.forEach(([args, code, stderr], i) => {
      const r = results[i]!
      assert.equal(r.code, code, `samsa ${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '', `samsa ${args.join(' ')}`)
      if (typeof stderr === 'string') assert.equal(r.stderr, stderr)
      else assert.match(r.stderr, stderr)
    })
    // The address from SAMSA_BOOTSTRAP or a --command-config file (and -b wins over both).
    const [fromEnv, fromFile, flagWins] = await Promise.all([
      samsa(['topic', 'list', '--json'], { env: { SAMSA_BOOTSTRAP: broker.bootstrap } }),
      samsa(['topic', 'list', '--json', '--command-config', props], { env: { SAMSA_BOOTSTRAP: '127.0.0.1:3' } }),
      samsa(['topic', 'list', '--json', '-b', broker.bootstrap, '-X', 'bootstrap.servers=127.0.0.1:4'], { env: { SAMSA_BOOTSTRAP: '127.0.0.1:3' } }),
    ])
    for (const r of [fromEnv, fromFile, flagWins]) assert.deepEqual([r.code, r.stdout, r.stderr], [0, '[]\n', ''])
  } finally {
    removeTempDir(dir)
    await broker.close()
  }
})
