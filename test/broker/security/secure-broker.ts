// An in-process broker with several listeners for the security tests, configured with Kafka's
// names (listener.name.<l>.* included), each listener bound to a free loopback port.
import { BrokerConfig } from '../../../src/broker/config/broker-config.ts'
import { runBroker } from '../../../src/broker/broker.ts'
import type { RunningBroker } from '../../../src/broker/broker.ts'
import { silentLogger } from '../../../src/broker/logger.ts'
import type { Logger } from '../../../src/broker/logger.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'

export interface SecureBroker {
  readonly running: RunningBroker
  /** host:port of a listener by name. */
  bootstrap(listener: string): string
  port(listener: string): number
  close(): Promise<void>
}

/** `dataDir`: reuse a directory (a restart); it is then the caller's to remove. */
export async function startSecureBroker(settings: Record<string, string>, log: Logger = silentLogger(), dataDir?: string): Promise<SecureBroker> {
  const ownDir = dataDir === undefined
  dataDir ??= makeTempDir('samsa-sec-')
  const config = new BrokerConfig(Object.entries({
    'group.initial.rebalance.delay.ms': '0',
    'admin.listeners': '',
    'offsets.topic.num.partitions': '1',
    ...settings,
    'log.dirs': dataDir,
  }))
  let running: RunningBroker
  try {
    running = await runBroker(config, { log })
  } catch (err) {
    if (ownDir) removeTempDir(dataDir)
    throw err
  }
  const find = (name: string) => {
    const l = running.bound.find((b) => b.name === name.toUpperCase())
    if (!l) throw new Error(`no listener ${name}`)
    return l
  }
  return {
    running,
    bootstrap: (name) => `${find(name).host}:${find(name).port}`,
    port: (name) => find(name).port,
    async close() {
      await running.close()
      if (ownDir) removeTempDir(dataDir)
    },
  }
}
