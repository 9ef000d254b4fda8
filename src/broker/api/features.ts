// Feature flags in ApiVersions v3+ (KIP-584): what this broker supports and what the cluster has
// finalized. Clients read them to pick protocols; the Java producer uses transaction version 2
// (KIP-890 part 2: no AddPartitionsToTxn, Produce v12 and TxnOffsetCommit v5 add partitions,
// EndTxn v5 bumps the epoch) only when `transaction.version` is finalized at 2. Samsa finalizes it
// on a single node; a cluster leaves it at 0 for now, because there the partition leader would
// have to reach a transaction coordinator on another broker to add a partition, which it does not.
import type { ApiVersionsResponseFinalizedFeatureKey, ApiVersionsResponseSupportedFeatureKey } from '../../protocol/generated/messages/api-versions.ts'

export const TRANSACTION_VERSION = 'transaction.version'

export interface Features {
  readonly supported: ApiVersionsResponseSupportedFeatureKey[]
  readonly finalized: ApiVersionsResponseFinalizedFeatureKey[]
  /** Clients keep the finalized set of the highest epoch they saw (-1: unknown). */
  readonly epoch: bigint
}

/**
 * Whether transaction version 2 is finalized: on a single node (no registered brokers) only. Produce
 * v12+ and TxnOffsetCommit v5+ add partitions to the transaction only then (as Kafka's leader does
 * only when the feature is on); otherwise they are verified like older versions.
 */
export function transactionV2Finalized(image: { readonly brokers: ReadonlyMap<number, unknown> }): boolean {
  return image.brokers.size === 0
}

export function brokerFeatures(singleNode: boolean): Features {
  const finalized: ApiVersionsResponseFinalizedFeatureKey[] = []
  if (singleNode) finalized.push({ name: TRANSACTION_VERSION, minVersionLevel: 2, maxVersionLevel: 2 })
  return {
    supported: [{ name: TRANSACTION_VERSION, minVersion: 0, maxVersion: 2 }],
    finalized,
    epoch: 0n,
  }
}
