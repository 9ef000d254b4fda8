// Every TypeScript example in docs/client.md runs against a real broker, so the docs stay true.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { check, runProcess } from '../helpers/run.ts'
import { testBroker } from './helpers.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

test('the examples in docs/client.md run', { timeout: 60_000 }, async () => {
  const doc = readFileSync(`${REPO}docs/client.md`, 'utf8')
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
  assert.ok(blocks.length >= 5)
  const broker = await testBroker()
  const dir = `${REPO}.tmp/docs-${process.pid}`
  mkdirSync(dir, { recursive: true })
  try {
    // One program (one tsx start): the imports merged, each example in its own block scope.
    const names = { client: new Set<string>(), kafkajs: new Set<string>() }
    const bodies = blocks.map((code) => code.replace(/^import (type )?\{([^}]*)\} from 'samsa\/client(\/kafkajs)?'\n/gm, (_, type: string | undefined, list: string, kafkajs: string | undefined) => {
      if (type === undefined) for (const n of list.split(',')) if (n.trim()) names[kafkajs === undefined ? 'client' : 'kafkajs'].add(n.trim())
      return ''
    }))
    const program = [
      `import { ${[...names.client].join(', ')} } from '${REPO}src/client/index.ts'`,
      `import { ${[...names.kafkajs].join(', ')} } from '${REPO}src/client/kafkajs/index.ts'`,
      `const BOOTSTRAP = '${broker.bootstrap}'`,
      ...bodies.map((body, i) => `console.log('--- example ${i}')\n{\n${body}}`),
    ].join('\n')
    const file = `${dir}/examples.ts`
    writeFileSync(file, program)
    const run = await runProcess(process.execPath, ['--import', 'tsx', file], { cwd: REPO, timeoutMs: 45_000 })
    check(`docs/client.md examples:\n${program}`, run)
    assert.match(run.stdout, /TOPIC_ALREADY_EXISTS 36 false/)
    assert.match(run.stdout, /INVALID_CONFIG 40 false/)
    assert.match(run.stdout, /joined \{ parcels: \[ 0, 1 \] \}/)
  } finally {
    await broker.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
