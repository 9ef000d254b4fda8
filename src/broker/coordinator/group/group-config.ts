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
  /** offsets.commit.timeout.ms: a commit not appended by then is answered COORDINATOR_NOT_AVAILABLE (REQUEST_TIMED_OUT). */
  readonly offsetCommitTimeoutMs: number
  /** How long a member that joined during a rebalance may stay silent (Kafka: 5 minutes). */
  readonly newMemberJoinTimeoutMs: number
  /**
   * Samsa's bound on one member's protocol metadata (all protocols together). Kafka has none
   * besides the request size; we refuse larger joins with INVALID_REQUEST so that one member
   * cannot make the group's metadata record unwritable.
   */
  readonly maxMemberMetadataBytes: number
  /** group.coordinator.rebalance.protocols: which group types members may create. */
  readonly rebalanceProtocols: readonly string[]
  /** group.consumer.session.timeout.ms / heartbeat.interval.ms / max.size (KIP-848 groups). */
  readonly consumerSessionTimeoutMs: number
  readonly consumerHeartbeatIntervalMs: number
  readonly consumerMaxSize: number
  /** group.consumer.assignors: names of server-side assignors, the first is the default. */
  readonly consumerAssignors: readonly string[]
  /** group.consumer.migration.policy: which non-empty groups convert online between classic and consumer. */
  readonly migrationPolicy: MigrationPolicy
  /** group.consumer.regex.refresh.interval.ms: under an authorizer, regex subscriptions are resolved again at least this often (ACL changes show then). */
  readonly consumerRegexRefreshIntervalMs: number
  /** group.share.session.timeout.ms / heartbeat.interval.ms / max.size (KIP-932 share groups). */
  readonly shareSessionTimeoutMs: number
  readonly shareHeartbeatIntervalMs: number
  readonly shareMaxSize: number
}

export type MigrationPolicy = 'disabled' | 'upgrade' | 'downgrade' | 'bidirectional'

export const upgradeEnabled = (p: MigrationPolicy): boolean => p === 'upgrade' || p === 'bidirectional'
export const downgradeEnabled = (p: MigrationPolicy): boolean => p === 'downgrade' || p === 'bidirectional'

export const DEFAULT_GROUP_CONFIG: GroupCoordinatorConfig = {
  offsetsTopicPartitions: 50,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3000,
  maxGroupSize: 2 ** 31 - 1,
  offsetsRetentionMs: 10_080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  offsetCommitTimeoutMs: 5000,
  newMemberJoinTimeoutMs: 300_000,
  maxMemberMetadataBytes: 1024 * 1024,
  rebalanceProtocols: ['classic', 'consumer', 'share'],
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5000,
  consumerMaxSize: 2 ** 31 - 1,
  consumerAssignors: ['uniform', 'range'],
  migrationPolicy: 'bidirectional',
  consumerRegexRefreshIntervalMs: 600_000,
  shareSessionTimeoutMs: 45_000,
  shareHeartbeatIntervalMs: 5000,
  shareMaxSize: 200,
}

/** Every value comes from the broker config table (src/broker/config), which holds Kafka's defaults. */
export function groupConfigFrom(config: BrokerConfig): GroupCoordinatorConfig {
  const d = DEFAULT_GROUP_CONFIG
  return {
    offsetsTopicPartitions: config.int('offsets.topic.num.partitions'),
    minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
    initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
    maxGroupSize: config.int('group.max.size'),
    offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.int('offsets.retention.check.interval.ms'),
    offsetMetadataMaxBytes: config.int('offset.metadata.max.bytes'),
    offsetCommitTimeoutMs: config.int('offsets.commit.timeout.ms'),
    newMemberJoinTimeoutMs: d.newMemberJoinTimeoutMs,
    maxMemberMetadataBytes: d.maxMemberMetadataBytes,
    rebalanceProtocols: config.list('group.coordinator.rebalance.protocols'),
    consumerSessionTimeoutMs: config.int('group.consumer.session.timeout.ms'),
    consumerHeartbeatIntervalMs: config.int('group.consumer.heartbeat.interval.ms'),
    consumerMaxSize: config.int('group.consumer.max.size'),
    // Kafka lists assignor classes; their short names are what ServerAssignor carries.
    consumerAssignors: config.list('group.consumer.assignors').map((n) => n.endsWith('UniformAssignor') ? 'uniform' : n.endsWith('RangeAssignor') ? 'range' : n),
    migrationPolicy: config.string('group.consumer.migration.policy').toLowerCase() as MigrationPolicy,
    consumerRegexRefreshIntervalMs: config.int('group.consumer.regex.refresh.interval.ms'),
    shareSessionTimeoutMs: config.int('group.share.session.timeout.ms'),
    shareHeartbeatIntervalMs: config.int('group.share.heartbeat.interval.ms'),
    shareMaxSize: config.int('group.share.max.size'),
  }
}
