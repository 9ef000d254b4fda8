// `samsa start` as a real child process: ready line, ApiVersions, clean SIGTERM, config errors
// that write nothing, restart after SIGKILL, one broker per data directory.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startSamsa, SAMSA_READY } from '../helpers/samsa.ts'
import { ServerProcess } from '../helpers/server-process.ts'
import { runProcess, runKcat } from '../helpers/run.ts'
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts'
import { ApiKey } from '../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import { defaultApiVersionsRequest } from '../../src/protocol/generated/messages/api-versions.ts'
import type { ApiVersionsResponse } from '../../src/protocol/generated/messages/api-versions.ts'
import { RawClient, requestFrame, decodeResponseFrame } from '../broker/raw-client.ts'
import { SAMSA_CLI } from '../helpers/cli-entry.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const samsa = (args: string[]) => runProcess(process.execPath, [...SAMSA_CLI, ...args], { cwd: REPO, timeoutMs: 60_000 })

async function apiVersions(port: number, version: number): Promise<ApiVersionsResponse> {
  const c = await RawClient.connect(port)
  try {
    c.write(requestFrame(ApiKey.ApiVersions, version, 9, defaultApiVersionsRequest()))
    const res = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, version, await c.readFrame())
    assert.equal(res.correlationId, 9)
    return res.body
  } finally {
    c.destroy()
  }
}

test('samsa start: listening line, ApiVersions v0 and v3, clean exit on SIGTERM', async () => {
  const broker = await startSamsa()
  try {
    assert.match(broker.output(), /^listening on PLAINTEXT:\/\/127\.0\.0\.1:\d+$/m)
    for (const v of [0, 3]) {
      const body = await apiVersions(broker.port, v)
      assert.equal(body.errorCode, ErrorCode.NONE)
      assert.ok(body.apiKeys.some((k) => k.apiKey === ApiKey.ApiVersions && k.maxVersion === 5))
    }
    const exit = await broker.stop('SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null })
    // Quiet by default: the ready line, and one line when it stopped.
    assert.deepEqual(broker.output().trim().split('\n').slice(1), ['stopped (SIGTERM)'], broker.output())
    assert.ok(existsSync(join(broker.dataDir, 'cluster-metadata.json')))
    assert.ok(!existsSync(join(broker.dataDir, '.lock')), 'lock released on clean shutdown')
  } finally {
    await broker.close()
  }
})

test('SIGINT (Ctrl-C) also shuts down cleanly, with one line that says so', async () => {
  const broker = await startSamsa()
  try {
    assert.deepEqual(await broker.stop('SIGINT'), { code: 0, signal: null })
    assert.deepEqual(broker.output().trim().split('\n').slice(1), ['stopped (SIGINT)'], broker.output())
  } finally {
    await broker.close()
  }
})

test('invalid settings: clear error naming the key and accepted values, exit non-zero, nothing written', async () => {
  const parent = makeTempDir('samsa-cli-')
  const dataDir = join(parent, 'data')
  try {
    const cases: [string[], RegExp][] = [
      [['--set', 'num.partitions=zero'], /num\.partitions: "zero" is not valid: expected a 32-bit integer >= 1/],
      [['--set', 'log.cleanup.policy=shred'], /log\.cleanup\.policy: "shred" is not accepted: expected one of compact, delete/],
      [['--set', 'no.such.setting=1'], /no\.such\.setting: unknown broker config/],
      [['--set', 'num.partition=3'], /num\.partition: unknown broker config \(did you mean num\.partitions\?\)/],
      [['--set', 'listeners=SSL://127.0.0.1:0'], /ssl\.keystore\.location: listener SSL uses TLS: set ssl\.keystore\.location/],
      [['--set', 'listeners=localhost:9092'], /listeners: .*expected NAME:\/\/host:port/],
      [['--config', join(parent, 'missing.properties')], /--config: cannot read/],
    ]
    for (const [args, pattern] of cases) {
      const r = await samsa(['start', '--data-dir', dataDir, ...args])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, pattern)
      assert.doesNotMatch(r.stdout, /listening/)
      assert.equal(existsSync(dataDir), false, 'nothing may be written')
    }
    const bad = await samsa(['start', '--bogus'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /unknown option '--bogus'/)
    assert.match(bad.stderr, /usage: samsa start/i)
  } finally {
    removeTempDir(parent)
  }
})

test('--config file in Kafka format (with keys Samsa ignores), overridden by --set; file errors name the line', async () => {
  const parent = makeTempDir('samsa-cli-')
  try {
    const file = join(parent, 'server.properties')
    writeFileSync(file, [
      '# a Kafka-style (KRaft sample) file', 'process.roles=broker,controller', 'node.id=1', 'controller.listener.names=CONTROLLER',
      'listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:0', 'advertised.listeners=PLAINTEXT://localhost:9092',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT', 'num.network.threads=3', 'num.partitions=3',
      'share.coordinator.state.topic.replication.factor=1', 'log.retention.hours=168', 'log.dirs=' + join(parent, 'from-file'), '',
    ].join('\n'))
    const server = new ServerProcess({
      command: process.execPath,
      args: [...SAMSA_CLI, 'start', '--config', file, '--set', 'listeners=PLAINTEXT://127.0.0.1:0'],
      cwd: REPO,
      ready: SAMSA_READY,
    })
    await server.start()
    assert.match(server.output, /^listening on PLAINTEXT:\/\/127\.0\.0\.1:\d+ \(advertised as PLAINTEXT:\/\/localhost:9092\)$/m)
    assert.equal((await apiVersions(server.port, 1)).errorCode, ErrorCode.NONE)
    assert.deepEqual(await server.stop(), { code: 0, signal: null })
    assert.ok(existsSync(join(parent, 'from-file', 'cluster-metadata.json')), 'log.dirs from the file is used')
    writeFileSync(file, '# header\nnum.partitions=3\nlog.segment.bytes=tiny\n')
    const r = await samsa(['start', '--config', file])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /log\.segment\.bytes: "tiny" is not valid: expected a 32-bit integer >= 14 \(.*server\.properties line 3\)/)
    writeFileSync(file, '# header\nlog.retention.hour=1\n')
    const typo = await samsa(['start', '--config', file])
    assert.equal(typo.code, 1)
    assert.match(typo.stderr, /log\.retention\.hour: unknown broker config \(did you mean log\.retention\.hours\?\)/)
  } finally {
    removeTempDir(parent)
  }
})

test('restart after SIGKILL: the stale lock is taken over and the cluster id is kept', async () => {
  const broker = await startSamsa()
  try {
    const before = JSON.parse(readFileSync(join(broker.dataDir, 'cluster-metadata.json'), 'utf8')).clusterId
    await broker.restart({ crash: true })
    assert.equal((await apiVersions(broker.port, 3)).errorCode, ErrorCode.NONE)
    // Killed again, and its pid is now another live process's (a reused pid; PID 1 in a container).
    await broker.kill()
    writeFileSync(join(broker.dataDir, '.lock'), `${process.pid}\n`)
    await broker.restart()
    assert.equal((await apiVersions(broker.port, 3)).errorCode, ErrorCode.NONE)
    const after = JSON.parse(readFileSync(join(broker.dataDir, 'cluster-metadata.json'), 'utf8')).clusterId
    assert.equal(after, before)
  } finally {
    await broker.close()
  }
})

test('a second broker on the same data directory refuses to start', async () => {
  const broker = await startSamsa()
  try {
    const r = await samsa(['start', '--data-dir', broker.dataDir, '--set', 'listeners=PLAINTEXT://127.0.0.1:0'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /in use by another broker/)
    assert.equal((await apiVersions(broker.port, 0)).errorCode, ErrorCode.NONE)
  } finally {
    await broker.close()
  }
})

test('samsa configs lists both tables', async () => {
  const r = await samsa(['configs'])
  assert.equal(r.code, 0)
  assert.match(r.stdout, /^retention\.ms \(long, default 604800000\)/m)
  assert.match(r.stdout, /Broker default: log\.retention\.ms > log\.retention\.minutes > log\.retention\.hours/)
  assert.match(r.stdout, /^log\.segment\.bytes \(int, default 1073741824\)/m)
  assert.match(r.stdout, /^sasl\.kerberos\.min\.time\.before\.relogin \(long, default 60000\) \(accepted, no effect in Samsa\)/m)
})

test('a broker process survives garbage, oversized and truncated frames; kcat still lists metadata', async () => {
  const broker = await startSamsa({ settings: { 'socket.request.max.bytes': '65536' } })
  try {
    const attacks = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from([0x00, 0x10, 0x00, 0x01, 0xff]), // 1 MiB frame announced
      Buffer.from([0xff, 0xff, 0xff, 0xfe]), // negative size
      Buffer.from([0x00, 0x00, 0x00, 0x08, 0x03, 0xe7, 0x00, 0x00, 0, 0, 0, 1]), // api key 999
      Buffer.from([0x00, 0x00, 0x00, 0x40, 0x00, 0x12]), // truncated, then the client goes away
    ]
    for (const bytes of attacks) {
      const c = await RawClient.connect(broker.port)
      c.write(bytes)
      await c.closesWithin(300)
      c.destroy()
    }
    const { stdout } = await runKcat(broker.bootstrap, ['-L', '-m', '5'])
    assert.match(stdout, /1 brokers:/)
    assert.equal((await apiVersions(broker.port, 3)).errorCode, ErrorCode.NONE)
    assert.deepEqual(await broker.stop(), { code: 0, signal: null })
    const warnings = broker.output().split('\n').filter((l) => /closing connection/.test(l))
    assert.equal(warnings.length, 4, broker.output())
  } finally {
    await broker.close()
  }
})
