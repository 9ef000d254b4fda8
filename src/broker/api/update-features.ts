// UpdateFeatures (key 57), v0-2: an operator sets a cluster-wide feature level (KIP-584), as
// `kafka-features.sh upgrade|downgrade` and the Admin client's updateFeatures do. Checks follow
// Kafka's controller (FeatureControlManager): a known feature, a level every registered broker
// (a single node: this one) supports, no downgrade without a downgrade type (v0: allowDowngrade),
// no "downgrade" to a higher level; the first failing feature fails them all (top-level error, no
// per-feature results). Level 0 removes the feature. The receiving broker writes the levels itself
// (ADR 0005: no forwarding), pinned, so the controller's finalizer (cluster/feature-levels.ts) no
// longer raises them; v0-1 answer one result per feature on success, v2 none.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { UpdateFeaturesRequest, UpdateFeaturesResponse } from '../../protocol/generated/messages/update-features.ts'
import { SUPPORTED_FEATURES } from '../cluster/feature-levels.ts'
import type { MetadataImage } from '../cluster/metadata-image.ts'
import type { SupportedFeatureRange } from '../cluster/metadata-records.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { defineHandler } from './handler.ts'
import { brokerFeatures } from './features.ts'

/** Kafka's FeatureUpdate.UpgradeType codes. */
const UPGRADE = 1
const SAFE_DOWNGRADE = 2
const UNSAFE_DOWNGRADE = 3

const DISABLED: SupportedFeatureRange = { min: 0, max: 0 }

/** Why `level` cannot be set, as Kafka words it: who does not support it. */
function notSupported(image: MetadataImage, nodeId: number, feature: string, level: number): string | undefined {
  const check = (who: string, range: SupportedFeatureRange): string | undefined => {
    if (level >= range.min && level <= range.max) return undefined
    return range.max === 0 ? `${who} does not support this feature.` : `${who} only supports versions ${range.min}-${range.max}`
  }
  const local = check(`Local controller ${nodeId}`, SUPPORTED_FEATURES[feature] ?? DISABLED)
  if (local) return local
  for (const [id, b] of image.brokers) {
    const r = check(`Broker ${id}`, b.features?.[feature] ?? DISABLED)
    if (r) return r
  }
  return undefined
}

/** The level each feature is at now, as ApiVersions answers it. */
function currentLevels(image: MetadataImage): Map<string, number> {
  return new Map(brokerFeatures(image).finalized.map((f) => [f.name, f.maxVersionLevel]))
}

export const updateFeaturesHandler = defineHandler<UpdateFeaturesRequest, UpdateFeaturesResponse>({
  apiKey: ApiKey.UpdateFeatures,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request, version) {
    const answer = (errorCode: number, errorMessage: string | null): UpdateFeaturesResponse => ({
      throttleTimeMs: 0, errorCode, errorMessage,
      results: errorCode === ErrorCode.NONE && version <= 1 ? request.featureUpdates.map((u) => ({ feature: u.feature, errorCode, errorMessage: null })) : [],
    })
    if (!allowedCluster(ctx, Operation.ALTER)) return answer(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.')
    const image = ctx.broker.metadata.image
    const current = currentLevels(image)
    const levels = new Map<string, number>()
    for (const u of request.featureUpdates) {
      const type = version === 0 ? (u.allowDowngrade ? SAFE_DOWNGRADE : UPGRADE) : u.upgradeType
      const level = u.maxVersionLevel
      const from = current.get(u.feature) ?? 0
      const reason = ![UPGRADE, SAFE_DOWNGRADE, UNSAFE_DOWNGRADE].includes(type) ? 'The controller does not support the given upgrade type.'
        : level < 0 ? 'A feature version cannot be less than 0.'
          : notSupported(image, ctx.broker.config.nodeId, u.feature, level)
            ?? (level < from && type === UPGRADE ? "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."
              : level > from && type !== UPGRADE ? "Can't downgrade to a newer version." : undefined)
      if (reason !== undefined) {
        return answer(ErrorCode.INVALID_UPDATE_VERSION,
          `The update failed for all features since the following feature had an error: Invalid update version ${level} for feature ${u.feature}. ${reason}`)
      }
      levels.set(u.feature, level)
    }
    if (!request.validateOnly && levels.size > 0) await ctx.broker.controller.pinFeatureLevels(levels)
    return answer(ErrorCode.NONE, null)
  },
})
