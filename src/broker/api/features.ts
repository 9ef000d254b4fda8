// Feature flags in ApiVersions v3+ (KIP-584): what this broker supports and what the cluster has
// finalized. Clients read them to pick protocols; the Java producer uses transaction version 2
// (KIP-890 part 2: no AddPartitionsToTxn, Produce v12 and TxnOffsetCommit v5 add partitions,
// EndTxn v5 bumps the epoch) only when `transaction.version` is finalized at 2. A single node
// finalizes it itself (epoch 0); a cluster's levels are the metadata image's, which the controller
// raises once every live broker supports them (cluster/feature-levels.ts), with the image's store
// revision as the epoch (KRaft answers with its metadata offset), so a client keeping the highest
// epoch it saw keeps the newest set.
import type { ApiVersionsResponseFinalizedFeatureKey, ApiVersionsResponseSupportedFeatureKey } from '../../protocol/generated/messages/api-versions.ts'
import { SUPPORTED_FEATURES, TRANSACTION_VERSION } from '../cluster/feature-levels.ts'
import type { MetadataImage } from '../cluster/metadata-image.ts'

export { TRANSACTION_VERSION }

export interface Features {
  readonly supported: ApiVersionsResponseSupportedFeatureKey[]
  readonly finalized: ApiVersionsResponseFinalizedFeatureKey[]
  /** Clients keep the finalized set of the highest epoch they saw (-1: unknown). */
  readonly epoch: bigint
}

type FeatureView = Pick<MetadataImage, 'brokers' | 'featureLevel' | 'featurePinned' | 'features' | 'revision'>

/** Single node: no registered brokers (the node finalizes transaction version 2 itself unless an operator set a level). */
const singleNode = (image: Pick<MetadataImage, 'brokers'>): boolean => image.brokers.size === 0

/**
 * Whether transaction version 2 is finalized (single node without an operator's level, or the
 * level is 2). Produce v12+ and TxnOffsetCommit v5+ add partitions to the transaction only then (as
 * Kafka's leader does only when the feature is on); otherwise they are verified like older versions.
 */
export function transactionV2Finalized(image: Pick<MetadataImage, 'brokers' | 'featureLevel' | 'featurePinned'>): boolean {
  return (singleNode(image) && !image.featurePinned(TRANSACTION_VERSION)) || image.featureLevel(TRANSACTION_VERSION) >= 2
}

export function brokerFeatures(image: FeatureView): Features {
  const supported = Object.entries(SUPPORTED_FEATURES).map(([name, r]) => ({ name, minVersion: r.min, maxVersion: r.max }))
  const levels = new Map([...image.features].map(([name, r]) => [name, r.level]))
  const own = singleNode(image) && !image.featurePinned(TRANSACTION_VERSION)
  if (own) levels.set(TRANSACTION_VERSION, 2)
  const finalized = [...levels].filter(([, level]) => level > 0).map(([name, level]) => ({ name, minVersionLevel: level, maxVersionLevel: level }))
  // A single node's own levels never change (epoch 0); stored levels carry the store revision.
  return { supported, finalized, epoch: own && image.features.size === 0 ? 0n : BigInt(image.revision) }
}
