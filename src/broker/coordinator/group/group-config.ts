// The broker settings the group coordinator obeys, with Kafka's defaults.
import type { BrokerConfig } from '../../config/broker-config.ts'

export interface GroupCoordinatorConfig {
  /** offsets.topic.num.partitions */
  readonly offsetsTopicPartitions: number
  /** group.min.session.timeout.ms / group.max.session.timeout.ms */
  readonly minSessionTimeoutMs: number
  readonly maxSessionTimeoutMs: number
  /** group.initial.rebalance.delay.ms */
  readonly initialRebalanceDelayMs: number
  /** group.max.size */
  readonly maxGroupSize: number
  /** offsets.retention.minutes, in ms */
  readonly offsetsRetentionMs: number
  /** offsets.retention.check.interval.ms */
  readonly offsetsRetentionCheckIntervalMs: number
  /** offset.metadata.max.bytes */
  readonly offsetMetadataMaxBytes: number
  /** How long a member that joined during a rebalance may stay silent (Kafka: 5 minutes). */
  readonly newMemberJoinTimeoutMs: number
  /**
   * Samsa's bound on one member's protocol metadata (all protocols together). Kafka has none
   * besides the request size; we refuse larger joins with INVALID_REQUEST so that one member
   * cannot make the group's metadata record unwritable.
   */
  readonly maxMemberMetadataBytes: number
}

export const DEFAULT_GROUP_CONFIG: GroupCoordinatorConfig = {
  offsetsTopicPartitions: 50,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3000,
  maxGroupSize: 2 ** 31 - 1,
  offsetsRetentionMs: 10_080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  newMemberJoinTimeoutMs: 300_000,
  maxMemberMetadataBytes: 1024 * 1024,
}

function intOr(config: BrokerConfig, name: string, dflt: number): number {
  try {
    return config.int(name)
  } catch {
    return dflt
  }
}

export function groupConfigFrom(config: BrokerConfig): GroupCoordinatorConfig {
  const d = DEFAULT_GROUP_CONFIG
  return {
    offsetsTopicPartitions: intOr(config, 'offsets.topic.num.partitions', d.offsetsTopicPartitions),
    minSessionTimeoutMs: intOr(config, 'group.min.session.timeout.ms', d.minSessionTimeoutMs),
    maxSessionTimeoutMs: intOr(config, 'group.max.session.timeout.ms', d.maxSessionTimeoutMs),
    initialRebalanceDelayMs: intOr(config, 'group.initial.rebalance.delay.ms', d.initialRebalanceDelayMs),
    maxGroupSize: intOr(config, 'group.max.size', d.maxGroupSize),
    offsetsRetentionMs: intOr(config, 'offsets.retention.minutes', d.offsetsRetentionMs / 60_000) * 60_000,
    offsetsRetentionCheckIntervalMs: intOr(config, 'offsets.retention.check.interval.ms', d.offsetsRetentionCheckIntervalMs),
    offsetMetadataMaxBytes: intOr(config, 'offset.metadata.max.bytes', d.offsetMetadataMaxBytes),
    newMemberJoinTimeoutMs: d.newMemberJoinTimeoutMs,
    maxMemberMetadataBytes: d.maxMemberMetadataBytes,
  }
}
