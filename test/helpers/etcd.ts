// A real etcd for tests: one member on free loopback ports in a temp dir, stopped and removed when
// the test is done (or when the test process exits). Each test uses its own key prefix.
import { randomBytes } from 'node:crypto'
import { startEtcd } from '../../src/cli/dev/etcd-server.ts'
import type { EtcdServer } from '../../src/cli/dev/etcd-server.ts'
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
