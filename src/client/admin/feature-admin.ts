// Cluster feature flags through the admin API (KIP-584), as Kafka's Admin describeFeatures /
// updateFeatures: what the brokers support and what the cluster has finalized come from an
// ApiVersions v3+ answer; UpdateFeatures sets a finalized level (an upgrade, or a downgrade when
// the update says which kind), all or nothing.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import type { UpdateFeaturesResponse } from '../../protocol/generated/messages/update-features.ts'
import type { Connection } from '../net/connection.ts'
import { KafkaError } from '../errors.ts'

type Run = <T>(fn: () => Promise<T>) => Promise<T>

export interface VersionRange {
  min: number
  max: number
}

export interface FeatureMetadata {
  /** Feature → the version range the answering broker supports. */
  supported: Map<string, VersionRange>
  /** Feature → the finalized level range (min = max = the level). */
  finalized: Map<string, VersionRange>
  /** Epoch of the finalized set (-1 when unknown): a higher epoch is a newer set. */
  finalizedEpoch: bigint
}

/** Kafka's FeatureUpdate.UpgradeType: a downgrade must say whether it may lose metadata. */
const UPGRADE_TYPES = { 'upgrade': 1, 'safe-downgrade': 2, 'unsafe-downgrade': 3 } as const
export type FeatureUpgradeType = keyof typeof UPGRADE_TYPES

export interface FeatureUpdate {
  feature: string
  /** The new level; 0 (with a downgrade type) removes the feature. */
  maxVersionLevel: number
  /** Default 'upgrade'. */
  upgradeType?: FeatureUpgradeType
}

export async function describeFeatures(conn: () => Promise<Connection>, run: Run): Promise<FeatureMetadata> {
  const res = await run(async () => (await conn()).request<ApiVersionsResponse>(ApiKey.ApiVersions,
    { clientSoftwareName: 'samsa-client', clientSoftwareVersion: '0', clusterId: null, nodeId: -1 }, { version: 3 }))
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { api: 'ApiVersions' })
  return {
    supported: new Map(res.supportedFeatures.map((f) => [f.name, { min: f.minVersion, max: f.maxVersion }])),
    finalized: new Map(res.finalizedFeatures.map((f) => [f.name, { min: f.minVersionLevel, max: f.maxVersionLevel }])),
    finalizedEpoch: res.finalizedFeaturesEpoch,
  }
}

/** Sets finalized feature levels; the broker's refusal (e.g. INVALID_UPDATE_VERSION, with its reason) is thrown. */
export async function updateFeatures(conn: () => Promise<Connection>, run: Run, updates: readonly FeatureUpdate[],
  validateOnly: boolean, timeoutMs: number): Promise<void> {
  const featureUpdates = updates.map((u) => {
    const type = UPGRADE_TYPES[u.upgradeType ?? 'upgrade']
    if (type === undefined) throw new TypeError(`upgradeType must be one of ${Object.keys(UPGRADE_TYPES).join(', ')}, not ${String(u.upgradeType)}`)
    return { feature: u.feature, maxVersionLevel: u.maxVersionLevel, type }
  })
  const res = await run(async () => {
    const c = await conn()
    // v0 knows only allowDowngrade (a safe downgrade); v1+ the upgrade type.
    const v0 = c.version(ApiKey.UpdateFeatures) === 0
    return c.request<UpdateFeaturesResponse>(ApiKey.UpdateFeatures, {
      timeoutMs, validateOnly,
      featureUpdates: featureUpdates.map((u) => ({ feature: u.feature, maxVersionLevel: u.maxVersionLevel,
        allowDowngrade: v0 && u.type !== UPGRADE_TYPES.upgrade, upgradeType: v0 ? 1 : u.type })),
    })
  })
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { message: res.errorMessage, api: 'UpdateFeatures' })
  const failed = res.results.find((r) => r.errorCode !== 0)
  if (failed) throw new KafkaError(failed.errorCode, { message: failed.errorMessage, api: 'UpdateFeatures' })
}
