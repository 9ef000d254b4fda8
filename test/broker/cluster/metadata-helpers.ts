// Opens the metadata of a data directory the way a broker does (file store, loader, controller),
// without a broker: for tests that change metadata while no broker runs.
import { join } from 'node:path'
import { FileMetadataStore } from '../../../src/broker/cluster/store/file-store.ts'
import type { MetadataStore } from '../../../src/broker/cluster/store/metadata-store.ts'
import { MetadataLoader } from '../../../src/broker/cluster/metadata-loader.ts'
import { Controller } from '../../../src/broker/cluster/controller.ts'
import { migrateV1 } from '../../../src/broker/cluster/metadata-migrate.ts'
import { CLUSTER_ID_KEY } from '../../../src/broker/cluster/metadata-records.ts'
import { METADATA_FILE } from '../../../src/broker/broker.ts'
import { silentLogger } from '../../../src/broker/logger.ts'

export interface OpenMetadata {
  readonly store: MetadataStore
  readonly loader: MetadataLoader
  readonly controller: Controller
  close(): Promise<void>
}

/** Metadata over any store (publishers may be added before `start`). */
export async function metadataOver(store: MetadataStore, nodeId = 1, start = true): Promise<OpenMetadata & { start(): Promise<void> }> {
  const loader = new MetadataLoader(store, silentLogger())
  const controller = new Controller(store, loader, nodeId, silentLogger())
  await controller.ensureClusterId()
  const begin = async () => loader.start(await loader.load())
  if (start) await begin()
  return { store, loader, controller, start: begin, async close() { await loader.close(); await store.close() } }
}

export async function openDataDirMetadata(dataDir: string, nodeId = 1, start = true): Promise<OpenMetadata & { start(): Promise<void> }> {
  const store = await FileMetadataStore.open(join(dataDir, METADATA_FILE), { migrate: (o) => migrateV1(o, nodeId), clusterIdKey: CLUSTER_ID_KEY })
  return metadataOver(store, nodeId, start)
}
