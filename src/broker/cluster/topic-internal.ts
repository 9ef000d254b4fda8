// The internal topics the coordinators keep their state in, created on demand with the settings
// Kafka gives them: compacted, partition count from the broker config (fixed once created), and
// the replication factor of offsets.topic.replication.factor / transaction.state.log.replication.factor
// capped by the registered brokers (a single node: 1), with transaction.state.log.min.isr capped
// by that factor (a min ISR above it would block every coordinator write).
import type { BrokerConfig } from '../config/broker-config.ts'
import { CONSUMER_OFFSETS_TOPIC, SHARE_GROUP_STATE_TOPIC, TRANSACTION_STATE_TOPIC } from './topic-names.ts'

export interface InternalTopicSpec {
  readonly partitions: number
  readonly replicationFactor: number
  /** The configured factor, when the broker count capped it (worth a warning). */
  readonly cappedFrom?: number
  readonly configs: Readonly<Record<string, string>>
}

/** The spec of internal topic `name` (undefined for other names) with `brokers` registered brokers. */
export function internalTopicSpec(name: string, config: BrokerConfig, brokers = 1): InternalTopicSpec | undefined {
  const factor = (key: string): Pick<InternalTopicSpec, 'replicationFactor' | 'cappedFrom'> => {
    const want = config.int(key)
    return want > brokers ? { replicationFactor: Math.max(1, brokers), cappedFrom: want } : { replicationFactor: want }
  }
  if (name === CONSUMER_OFFSETS_TOPIC) {
    return {
      ...factor('offsets.topic.replication.factor'),
      partitions: config.int('offsets.topic.num.partitions'),
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'producer',
        'segment.bytes': String(config.int('offsets.topic.segment.bytes')),
      },
    }
  }
  if (name === TRANSACTION_STATE_TOPIC) {
    const rf = factor('transaction.state.log.replication.factor')
    return {
      ...rf,
      partitions: config.int('transaction.state.log.num.partitions'),
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'uncompressed',
        'min.insync.replicas': String(Math.min(config.int('transaction.state.log.min.isr'), rf.replicationFactor)),
        'segment.bytes': String(config.int('transaction.state.log.segment.bytes')),
        'unclean.leader.election.enable': 'false',
      },
    }
  }
  if (name === SHARE_GROUP_STATE_TOPIC) {
    const rf = factor('share.coordinator.state.topic.replication.factor')
    return {
      ...rf,
      partitions: config.int('share.coordinator.state.topic.num.partitions'),
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'producer',
        'min.insync.replicas': String(Math.min(config.int('share.coordinator.state.topic.min.isr'), rf.replicationFactor)),
        'segment.bytes': String(config.int('share.coordinator.state.topic.segment.bytes')),
      },
    }
  }
  return undefined
}
