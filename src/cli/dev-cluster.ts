// `samsa dev cluster`: a whole cluster on this machine for development — one etcd (from PATH,
// auto-compaction on) and N `samsa start` processes on loopback, everything under one folder
// (etcd/, broker-<id>/ data, one log file per process). Prints the addresses, stops everything
// on Ctrl-C (SIGINT), SIGTERM or SIGHUP. Started again on the same folder, the same ports and data come back. With
// --kafka-ports the layout of Kafka's own test clusters: node ids 0,1,2 on 9092/9095/9098.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startEtcd } from './dev/etcd-server.ts'
import { freePort } from './dev/free-port.ts'
import type { EtcdServer } from './dev/etcd-server.ts'

export interface DevClusterOptions {
  readonly brokers: number
  readonly kafkaPorts?: boolean
  readonly dir: string
  /** First broker port (default 9092; consecutive ports after it). */
  readonly port?: number
  /** Extra `--set key=value` for every broker. */
  readonly set?: readonly string[]
  readonly logLevel?: string
}

interface BrokerProcess {
  readonly id: number
  readonly port: number
  readonly child: ChildProcess
  readonly exited: Promise<void>
}

const READY = /listening on (?:[A-Z_]+:\/\/)?([\w.:-]+):(\d+)/

/** etcd's ports, kept in the folder so a restart finds its member where it was. */
async function etcdPorts(dir: string): Promise<{ client: number, peer: number }> {
  const file = join(dir, 'etcd', 'ports.json')
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { client: number, peer: number }
  const ports = { client: await freePort(), peer: await freePort() }
  mkdirSync(join(dir, 'etcd'), { recursive: true })
  writeFileSync(file, JSON.stringify(ports) + '\n')
  return ports
}

function startBroker(id: number, port: number, etcdConnect: string, opts: DevClusterOptions, dir: string,
  spawned: { child: ChildProcess, exited: Promise<void> }[]): Promise<BrokerProcess> {
  const args = [
    ...process.execArgv, process.argv[1]!, 'start',
    '--data-dir', join(dir, `broker-${id}`),
    '--set', `node.id=${id}`, '--set', `etcd.connect=${etcdConnect}`, '--set', 'listeners=PLAINTEXT://127.0.0.1:' + port,
    // Metrics per broker on consecutive ports from Samsa's default 9644 (node id 0 on 9644).
    '--set', `admin.listeners=http://127.0.0.1:${9644 + id}`,
    '--log-level', opts.logLevel ?? 'info',
    ...(opts.set ?? []).flatMap((s) => ['--set', s]),
  ]
  const log = createWriteStream(join(dir, `broker-${id}.log`), { flags: 'a' })
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.pipe(log, { end: false })
  child.stderr!.pipe(log, { end: false })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  spawned.push({ child, exited })
  return new Promise((resolvePromise, reject) => {
    let out = ''
    const onData = (chunk: Buffer): void => {
      out += chunk.toString()
      if (READY.test(out)) {
        child.stdout!.off('data', onData)
        resolvePromise({ id, port, child, exited })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (c: Buffer) => { out += c.toString() })
    child.once('exit', (code, signal) => reject(new Error(`broker ${id} exited (${code ?? signal}) before it was ready:\n${out.slice(-2000)}`)))
  })
}

export async function devCluster(opts: DevClusterOptions): Promise<number> {
  const dir = resolve(opts.dir)
  mkdirSync(dir, { recursive: true })
  const ids = Array.from({ length: opts.brokers }, (_, i) => (opts.kafkaPorts ? i : i + 1))
  const ports = ids.map((_, i) => (opts.kafkaPorts ? 9092 + 3 * i : (opts.port ?? 9092) + i))
  const say = (line: string): void => { process.stdout.write(line + '\n') }
  let etcd: EtcdServer
  try {
    const p = await etcdPorts(dir)
    const etcdLog = createWriteStream(join(dir, 'etcd.log'), { flags: 'a' })
    etcd = await startEtcd({ dataDir: join(dir, 'etcd', 'data'), clientPort: p.client, peerPort: p.peer, onLine: (l) => etcdLog.write(l + '\n') })
  } catch (err) {
    process.stderr.write(`samsa dev cluster: cannot start etcd: ${(err as Error).message}\n`)
    return 1
  }
  const etcdConnect = `${etcd.endpoint}/samsa`
  say(`etcd        ${etcd.endpoint} (data in ${join(dir, 'etcd')}, log ${join(dir, 'etcd.log')})`)
  const brokers: BrokerProcess[] = []
  // Every broker process from its spawn on, ready or not: a stop during start-up ends them too.
  const spawned: { child: ChildProcess, exited: Promise<void> }[] = []
  let stopping: Promise<void> | undefined
  const stopAll = (): Promise<void> => stopping ??= (async () => {
    for (const b of spawned) if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGTERM')
    await Promise.all(spawned.map((b) => b.exited))
    await etcd.stop()
  })()
  let signalled: ((signal: NodeJS.Signals) => void) | undefined
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return
    say(`stopping (${signal})...`)
    void stopAll().then(() => {
      say('stopped')
      signalled?.(signal)
    })
  }
  // From here on (brokers take seconds to start), and for every repeat while stopping: Node would
  // otherwise exit at once and leave etcd and the brokers running. SIGHUP: a closed terminal.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const sig of signals) process.on(sig, onSignal)
  const done = (code: number): number => {
    for (const sig of signals) process.off(sig, onSignal)
    return code
  }
  try {
    // Started together: each waits for etcd, not for the others.
    const started = await Promise.allSettled(ids.map((id, i) => startBroker(id, ports[i]!, etcdConnect, opts, dir, spawned)))
    for (const s of started) if (s.status === 'fulfilled') brokers.push(s.value)
    const failed = started.find((s) => s.status === 'rejected')
    if (failed && !stopping) throw (failed as PromiseRejectedResult).reason
  } catch (err) {
    process.stderr.write(`samsa dev cluster: ${(err as Error).message}\n`)
    await stopAll()
    return done(1)
  }
  if (stopping) {
    await stopping
    return done(0)
  }
  for (const b of brokers) say(`broker ${String(b.id).padEnd(4)} 127.0.0.1:${b.port} (data in ${join(dir, `broker-${b.id}`)}, log ${join(dir, `broker-${b.id}.log`)})`)
  say(`bootstrap   ${brokers.map((b) => `127.0.0.1:${b.port}`).join(',')}`)
  say(`etcd.connect=${etcdConnect}`)
  say('Ctrl-C stops everything.')
  for (const b of brokers) {
    void b.exited.then(() => {
      if (!stopping) say(`broker ${b.id} exited (code ${b.child.exitCode ?? b.child.signalCode}); see ${join(dir, `broker-${b.id}.log`)}`)
    })
  }
  return new Promise<number>((resolveExit) => {
    signalled = () => resolveExit(done(0))
  })
}
