import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BrokerConfig } from '../../../../src/broker/config/broker-config.ts'
import { DEFAULT_GROUP_CONFIG, groupConfigFrom } from '../../../../src/broker/coordinator/group/group-config.ts'

test('the coordinator takes every setting from the broker config table; the table holds Kafka\'s defaults', () => {
  assert.deepEqual(groupConfigFrom(new BrokerConfig()), DEFAULT_GROUP_CONFIG)
  const c = groupConfigFrom(new BrokerConfig([
    ['offsets.topic.num.partitions', 7], ['group.min.session.timeout.ms', 100], ['group.max.session.timeout.ms', 200],
    ['group.initial.rebalance.delay.ms', 0], ['group.max.size', 3], ['offsets.retention.minutes', 2],
    ['offsets.retention.check.interval.ms', 1000], ['offset.metadata.max.bytes', 10], ['offsets.commit.timeout.ms', 250],
    ['group.coordinator.rebalance.protocols', 'classic'], ['group.consumer.session.timeout.ms', 1000],
    ['group.consumer.heartbeat.interval.ms', 100], ['group.consumer.max.size', 4],
    ['group.consumer.assignors', 'org.apache.kafka.coordinator.group.assignor.RangeAssignor,uniform'],
    ['group.consumer.migration.policy', 'upgrade'], ['group.consumer.regex.refresh.interval.ms', 20_000],
    ['group.share.session.timeout.ms', 2000], ['group.share.heartbeat.interval.ms', 200], ['group.share.max.size', 5],
  ]))
  assert.deepEqual({ ...c, newMemberJoinTimeoutMs: 0, maxMemberMetadataBytes: 0 }, {
    offsetsTopicPartitions: 7, minSessionTimeoutMs: 100, maxSessionTimeoutMs: 200, initialRebalanceDelayMs: 0, maxGroupSize: 3,
    offsetsRetentionMs: 120_000, offsetsRetentionCheckIntervalMs: 1000, offsetMetadataMaxBytes: 10, offsetCommitTimeoutMs: 250,
    newMemberJoinTimeoutMs: 0, maxMemberMetadataBytes: 0,
    rebalanceProtocols: ['classic'], consumerSessionTimeoutMs: 1000, consumerHeartbeatIntervalMs: 100, consumerMaxSize: 4,
    consumerAssignors: ['range', 'uniform'], migrationPolicy: 'upgrade', consumerRegexRefreshIntervalMs: 20_000,
    shareSessionTimeoutMs: 2000, shareHeartbeatIntervalMs: 200, shareMaxSize: 5,
  })
})
