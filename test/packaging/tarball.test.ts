// The package as a user gets it: `npm pack` this checkout (its existing build), install the tarball
// into a fresh project, type-check a .ts file that imports every entry point under each
// moduleResolution a project may use, run it (start a broker, connect, close), and check that a
// misspelt config key or a wrong value type fails to compile. Also: the `samsa` bin runs, and every
// source map points at a file the package ships.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { check, runProcess } from '../helpers/run.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const TSC = join(REPO, 'node_modules/typescript/bin/tsc')

// Every public entry point, with a value import from each so a broken `exports` target fails at run time too.
const APP = `import { connect } from 'node:net'
import { existsSync } from 'node:fs'
import { startBroker, ConfigError } from 'samsa/broker'
import type { Broker, BrokerConfigs, StartBrokerOptions } from 'samsa/broker'
import * as protocol from 'samsa/protocol'
import * as storage from 'samsa/storage'
import { Producer } from 'samsa/client'
import type { RecordMetadata } from 'samsa/client'
import { Kafka, KafkaJSProtocolError } from 'samsa/client/kafkajs'
import type { RecordMetadata as KafkaJsRecordMetadata } from 'samsa/client/kafkajs'
import { startSchemaRegistry } from 'samsa/registry'
import type { RunningSchemaRegistry } from 'samsa/registry'
import { Serdes, StreamsBuilder, TopologyTestDriver } from 'samsa/streams'
import type { KStream } from 'samsa/streams'

// The last key comes from a table of Kafka keys with no effect in Samsa: every table keeps literal names.
const config: BrokerConfigs = { 'num.partitions': 2, 'compression.type': 'zstd', 'auto.create.topics.enable': true, 'sasl.kerberos.min.time.before.relogin': 60_000 }
const options: StartBrokerOptions = { config }
const broker: Broker = await startBroker(options)
await new Promise<void>((done, fail) => {
  const socket = connect(broker.port, broker.host, () => { socket.end(); done() })
  socket.once('error', fail)
})
const producer = new Producer({ bootstrapServers: broker.bootstrap })
const sent: RecordMetadata = await producer.send({ topic: 'packaged', value: 'hello' })
await producer.close()
// The KafkaJS facade, as KafkaJS code uses it.
const kafkajs = new Kafka({ clientId: 'packaged', brokers: [broker.bootstrap], logLevel: 0 }).producer()
await kafkajs.connect()
const kafkajsSent: KafkaJsRecordMetadata[] = await kafkajs.send({ topic: 'packaged', messages: [{ key: 'k', value: 'v' }] })
await kafkajs.disconnect()
const registry: RunningSchemaRegistry = await startSchemaRegistry({ client: { bootstrapServers: broker.bootstrap }, listeners: ['http://127.0.0.1:0'] })
const registered = await (await fetch(registry.url + '/subjects/packaged-value/versions', { method: 'POST', body: JSON.stringify({ schema: '"string"' }) })).json()
await registry.close()
await broker.close()
const S = Serdes.String()
const builder = new StreamsBuilder()
const lines: KStream<string, string> = builder.stream<string, string>('lines', { keySerde: S, valueSerde: S })
lines.mapValues((v) => v.toUpperCase()).to('upper', { keySerde: S, valueSerde: S })
const driver = new TopologyTestDriver(builder.build())
driver.createInputTopic('lines', S, S).pipeInput('k', 'streams', 0)
const streamed = driver.createOutputTopic('upper', S, S).readKeyValuesToList()
driver.close()
console.log(JSON.stringify({
  bootstrap: broker.bootstrap,
  removed: !existsSync(broker.dataDir),
  configError: typeof ConfigError,
  protocol: Object.keys(protocol).length,
  storage: Object.keys(storage).length,
  clientOffset: sent.offset,
  kafkajsOffset: kafkajsSent[0]!.baseOffset,
  kafkajsError: typeof KafkaJSProtocolError,
  registered,
  streamed,
}))
`

// Each statement must fail to compile (and emitting app.js goes on regardless).
const TYPOS = `import { startBroker } from 'samsa/broker'
await startBroker({ config: { 'num.partitons': 2 } })
await startBroker({ config: { 'num.partitions': 'two' } })
await startBroker({ config: { 'compression.type': 'brotli' } })
`

const MODES: Record<string, object> = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out', noEmit: false },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  node10: { module: 'esnext', moduleResolution: 'node10' }, // ignores `exports`: typesVersions serves it
}

function tsconfig(mode: object, files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      // skipLibCheck as most projects set it (checking every shipped .d.ts triples the time).
      target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'],
      typeRoots: [join(REPO, 'node_modules/@types')], ...mode,
    },
    files,
  })
}

const tsc = (cwd: string, project: string) => runProcess(process.execPath, [TSC, '-p', project], { cwd, timeoutMs: 90_000 })

test('npm pack → install the tarball → import, type-check and run samsa/broker (and samsa/client/kafkajs)', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(join(REPO, 'dist/src/broker/index.d.ts')), 'no build: run `npm run build` first')
  const work = makeTempDir('samsa-pack-')
  try {
    // Pack what the build left (scripts off: no rebuild), as `npm pack` would for a user.
    const packed = check('npm pack', await runProcess('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO, timeoutMs: 60_000 }))
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[]
    const files = new Set(info!.files.map((f) => f.path))
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/src/cli/main.js', 'dist/src/broker/index.d.ts', 'dist/src/broker/index.d.ts.map', 'src/broker/index.ts']) {
      assert.ok(files.has(f), `the tarball lacks ${f}`)
    }
    assert.deepEqual([...files].filter((f) => /^(test|tools|bench|dist\/test|node_modules)\//.test(f)), [], 'only the package ships')

    const app = join(work, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
    // Dependencies come from npm's cache when it has them. zstd-napi's install script downloads or
    // compiles its binary (minutes); the test copies the binary this checkout built instead.
    check('npm install', await runProcess('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(work, info!.filename)], { cwd: app, timeoutMs: 120_000 }))
    cpSync(join(REPO, 'node_modules/zstd-napi/build'), join(app, 'node_modules/zstd-napi/build'), { recursive: true })

    writeFileSync(join(app, 'app.ts'), APP)
    writeFileSync(join(app, 'typos.ts'), TYPOS)
    for (const [name, mode] of Object.entries(MODES)) writeFileSync(join(app, `tsconfig.${name}.json`), tsconfig(mode, ['app.ts', 'typos.ts']))
    const modes = Object.keys(MODES)
    const results = await Promise.all(modes.map((m) => tsc(app, `tsconfig.${m}.json`)))
    modes.forEach((mode, i) => {
      const r = results[i]!
      assert.ok(!r.timedOut && r.code === 2, `${mode}: tsc exited ${r.code}\n${r.stdout}${r.stderr}`)
      // app.ts compiles cleanly; each typo is an error at its own line.
      const errors = r.stdout.trim().split('\n').filter((l) => /error TS/.test(l))
      assert.equal(errors.length, 3, `${mode}:\n${r.stdout}`)
      assert.match(errors[0]!, /^typos\.ts\(2,\d+\): error TS2353: .*'num\.partitons'/, mode)
      assert.match(errors[1]!, /^typos\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/, mode)
      assert.match(errors[2]!, /^typos\.ts\(4,\d+\): error TS2322: Type '"brotli"' is not assignable/, mode)
    })

    const run = check('node out/app.js', await runProcess(process.execPath, ['out/app.js'], { cwd: app, timeoutMs: 60_000 }))
    const out = JSON.parse(run.stdout) as { bootstrap: string; removed: boolean; configError: string; protocol: number; storage: number; clientOffset: number; kafkajsOffset: string; kafkajsError: string; registered: unknown; streamed: unknown }
    assert.match(out.bootstrap, /^127\.0\.0\.1:\d+$/)
    assert.equal(out.removed, true)
    assert.equal(out.configError, 'function')
    assert.ok(out.protocol > 0 && out.storage > 0)
    assert.equal(out.clientOffset, 0)
    assert.match(out.kafkajsOffset, /^\d+$/)
    assert.equal(out.kafkajsError, 'function')
    assert.deepEqual(out.registered, { id: 1 })
    assert.deepEqual(out.streamed, [['k', 'STREAMS']], 'samsa/streams runs from the tarball')

    // The bin npm links runs from the installed package.
    const configs = check('samsa configs', await runProcess(join(app, 'node_modules/.bin/samsa'), ['configs'], { cwd: app }))
    assert.match(configs.stdout, /num\.partitions/)

    // Source maps (and declaration maps) name sources that ship in the package.
    const pkg = join(app, 'node_modules/samsa')
    let maps = 0
    for (const rel of readdirSync(join(pkg, 'dist'), { recursive: true }) as string[]) {
      if (!rel.endsWith('.map')) continue
      const map = join(pkg, 'dist', rel)
      const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }
      for (const s of sources) assert.ok(existsSync(resolve(dirname(map), s)), `${rel} names ${s}, which the package lacks`)
      maps++
    }
    assert.ok(maps > 100, `only ${maps} source maps`)
  } finally {
    removeTempDir(work)
  }
})
