// A real etcd for tests: one member on free loopback ports in a temp dir, stopped and removed when
// the test is done (or when the test process exits). Each test uses its own key prefix.
import { randomBytes } from 'node:crypto'
import { startEtcd } from '../../src/cli/dev/etcd-server.ts'
import type { EtcdServer } from '../../src/cli/dev/etcd-server.ts'
import { freePort } from '../../src/cli/dev/free-port.ts'
import { makeTempDir, removeTempDir } from './temp-dir.ts'

export interface TestEtcd extends EtcdServer {
  /** A fresh `etcd.connect` value: this etcd and a prefix no other test uses. */
  connect(): string
  close(): Promise<void>
}

export async function startTestEtcd(opts: { stockLimits?: boolean } = {}): Promise<TestEtcd> {
  const dir = makeTempDir('samsa-etcd-')
  const server = await startEtcd({ dataDir: `${dir}/data`, ...opts })
  return {
    ...server,
    connect: () => `${server.endpoint}/t-${randomBytes(4).toString('hex')}`,
    async close() {
      await server.stop()
      removeTempDir(dir)
    },
  }
}

export interface TestEtcdCluster {
  /** The `etcd.connect` value listing every member, with a fresh prefix. */
  connect(): string
  /** Running members by index (undefined while killed). */
  readonly members: readonly (EtcdServer | undefined)[]
  /** SIGKILL of member i. */
  kill(i: number): Promise<void>
  /** (Re)starts member i on its ports and data. */
  start(i: number): Promise<void>
  close(): Promise<void>
}

/** A real etcd cluster of `size` members on loopback (for quorum tests). */
export async function startTestEtcdCluster(size = 3): Promise<TestEtcdCluster> {
  const dir = makeTempDir('samsa-etcdn-')
  const specs = await Promise.all(Array.from({ length: size }, async (_, i) => ({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort() })))
  const initialCluster = specs.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',')
  const members: (EtcdServer | undefined)[] = []
  const start = async (i: number): Promise<void> => {
    members[i] = await startEtcd({ ...specs[i]!, dataDir: `${dir}/${specs[i]!.name}`, initialCluster })
  }
  // Members wait for each other before serving: start them together.
  await Promise.all(specs.map((_, i) => start(i)))
  return {
    members,
    connect: () => `${specs.map((m) => `127.0.0.1:${m.clientPort}`).join(',')}/t-${randomBytes(4).toString('hex')}`,
    async kill(i) {
      await members[i]?.kill()
      members[i] = undefined
    },
    start,
    async close() {
      await Promise.all(members.map((m) => m?.stop()))
      removeTempDir(dir)
    },
  }
}
