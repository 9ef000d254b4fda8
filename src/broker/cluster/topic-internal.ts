// The internal topics the coordinators keep their state in, created on demand with the settings
// Kafka gives them: compacted, partition count from the broker config (fixed once created), and
// replication capped at the single node (a min ISR above 1 would block every acks=all write).
import type { BrokerConfig } from '../config/broker-config.ts'
import { CONSUMER_OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from './topic-names.ts'

export interface InternalTopicSpec {
  readonly partitions: number
  readonly configs: Readonly<Record<string, string>>
}

export function internalTopicSpec(name: string, config: BrokerConfig): InternalTopicSpec | undefined {
  if (name === CONSUMER_OFFSETS_TOPIC) {
    return {
      partitions: config.int('offsets.topic.num.partitions'),
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'producer',
        'segment.bytes': String(config.int('offsets.topic.segment.bytes')),
      },
    }
  }
  if (name === TRANSACTION_STATE_TOPIC) {
    return {
      partitions: config.int('transaction.state.log.num.partitions'),
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'uncompressed',
        'min.insync.replicas': '1',
        'segment.bytes': String(config.int('transaction.state.log.segment.bytes')),
        'unclean.leader.election.enable': 'false',
      },
    }
  }
  return undefined
}
