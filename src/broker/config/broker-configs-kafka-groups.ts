// Kafka 4.4's group coordinator configs Samsa does not act on: the KIP-848 consumer protocol,
// share groups (KIP-932), streams groups (KIP-1071) and dead-letter queues. Accepted and reported
// like Kafka, no effect. Names, types, defaults and update modes are Kafka's; docs are Samsa's own.
import { INT_MAX } from './config-def.ts'
import type { ConfigDef } from './config-def.ts'

type Opts = Partial<Pick<ConfigDef, 'min' | 'max' | 'validValues' | 'importance' | 'dynamic' | 'sensitive'>>

const k = (name: string, type: ConfigDef['type'], dflt: ConfigDef['default'], doc: string, opts: Opts): ConfigDef =>
  ({ name, type, default: dflt, scope: 'broker', dynamic: 'read-only', importance: 'low', doc, noEffect: true, ...opts })

const ro = { dynamic: 'read-only' } as const
const cw = { dynamic: 'cluster-wide' } as const

export const KAFKA_GROUP_CONFIGS: readonly ConfigDef[] = [
  k('group.coordinator.threads', 'int', 4, 'Group coordinator: Threads.', { ...ro, min: 1, importance: 'high' }),
  k('group.coordinator.background.threads', 'int', 2, 'Group coordinator: Background threads.', { ...ro, min: 1, importance: 'high' }),
  k('group.coordinator.append.linger.ms', 'int', -1, 'Group coordinator: Append linger (ms).', { ...ro, min: -1, importance: 'medium' }),
  k('group.coordinator.cached.buffer.max.bytes', 'int', 1_048_588, 'Group coordinator: Cached buffer maximum bytes.', { ...cw, min: 524_288, importance: 'medium' }),
  k('group.consumer.min.session.timeout.ms', 'int', 45_000, 'Consumer groups, new protocol (KIP-848): Minimum session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.consumer.max.session.timeout.ms', 'int', 60_000, 'Consumer groups, new protocol (KIP-848): Maximum session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.consumer.min.heartbeat.interval.ms', 'int', 5000, 'Consumer groups, new protocol (KIP-848): Minimum heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.consumer.max.heartbeat.interval.ms', 'int', 15_000, 'Consumer groups, new protocol (KIP-848): Maximum heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.consumer.assignors', 'list', ['uniform', 'range'], 'Consumer groups, new protocol (KIP-848): Assignors.', { ...ro, importance: 'medium' }),
  k('group.consumer.migration.policy', 'string', 'bidirectional', 'Consumer groups, new protocol (KIP-848): Migration policy.', { ...ro, importance: 'medium' }),
  k('group.consumer.assignment.interval.ms', 'int', 1000, 'Consumer groups, new protocol (KIP-848): Assignment interval (ms).', { ...cw, min: 0, importance: 'medium' }),
  k('group.consumer.min.assignment.interval.ms', 'int', 0, 'Consumer groups, new protocol (KIP-848): Minimum assignment interval (ms).', { ...ro, min: 0, importance: 'medium' }),
  k('group.consumer.max.assignment.interval.ms', 'int', 15_000, 'Consumer groups, new protocol (KIP-848): Maximum assignment interval (ms).', { ...ro, min: 0, importance: 'medium' }),
  k('group.share.session.timeout.ms', 'int', 45_000, 'Share groups (KIP-932): Session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.share.min.session.timeout.ms', 'int', 45_000, 'Share groups (KIP-932): Minimum session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.share.max.session.timeout.ms', 'int', 60_000, 'Share groups (KIP-932): Maximum session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.share.heartbeat.interval.ms', 'int', 5000, 'Share groups (KIP-932): Heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.share.min.heartbeat.interval.ms', 'int', 5000, 'Share groups (KIP-932): Minimum heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.share.max.heartbeat.interval.ms', 'int', 15_000, 'Share groups (KIP-932): Maximum heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.share.max.size', 'int', 200, 'Share groups (KIP-932): Maximum size.', { ...ro, min: 1, max: 1000, importance: 'medium' }),
  k('group.share.assignors', 'list', ['simple'], 'Share groups (KIP-932): Assignors.', { ...ro, importance: 'medium' }),
  k('group.share.assignment.interval.ms', 'int', 1000, 'Share groups (KIP-932): Assignment interval (ms).', { ...cw, min: 0, importance: 'medium' }),
  k('group.share.min.assignment.interval.ms', 'int', 0, 'Share groups (KIP-932): Minimum assignment interval (ms).', { ...ro, min: 0, importance: 'medium' }),
  k('group.share.max.assignment.interval.ms', 'int', 15_000, 'Share groups (KIP-932): Maximum assignment interval (ms).', { ...ro, min: 0, importance: 'medium' }),
  k('errors.deadletterqueue.auto.create.topics.enable', 'boolean', false, 'Dead-letter queues (KIP-1191): Auto create topics enable.', { ...cw, importance: 'medium' }),
  k('errors.deadletterqueue.topic.name.prefix', 'string', 'dlq.', 'Dead-letter queues (KIP-1191): Topic name prefix.', { ...cw, importance: 'medium' }),
  k('group.streams.session.timeout.ms', 'int', 45_000, 'Streams groups (KIP-1071): Session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.streams.min.session.timeout.ms', 'int', 45_000, 'Streams groups (KIP-1071): Minimum session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.streams.max.session.timeout.ms', 'int', 60_000, 'Streams groups (KIP-1071): Maximum session timeout (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.streams.heartbeat.interval.ms', 'int', 5000, 'Streams groups (KIP-1071): Heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.streams.min.heartbeat.interval.ms', 'int', 5000, 'Streams groups (KIP-1071): Minimum heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.streams.max.heartbeat.interval.ms', 'int', 15_000, 'Streams groups (KIP-1071): Maximum heartbeat interval (ms).', { ...ro, min: 1, importance: 'medium' }),
  k('group.streams.max.size', 'int', INT_MAX, 'Streams groups (KIP-1071): Maximum size.', { ...ro, min: 1, importance: 'medium' }),
  k('group.streams.num.standby.replicas', 'int', 0, 'Streams groups (KIP-1071): Number of standby replicas.', { ...ro, min: 0, importance: 'medium' }),
  k('group.streams.max.standby.replicas', 'int', 2, 'Streams groups (KIP-1071): Maximum standby replicas.', { ...ro, min: 0, importance: 'medium' }),
  k('group.streams.initial.rebalance.delay.ms', 'int', 3000, 'Streams groups (KIP-1071): Initial rebalance delay (ms).', { ...ro, min: 0, importance: 'medium' }),
  k('group.streams.assignment.interval.ms', 'int', 1000, 'Streams groups (KIP-1071): Assignment interval (ms).', { ...cw, min: 0, importance: 'medium' }),
  k('group.streams.min.assignment.interval.ms', 'int', 0, 'Streams groups (KIP-1071): Minimum assignment interval (ms).', { ...ro, min: 0, importance: 'medium' }),
  k('group.streams.max.assignment.interval.ms', 'int', 15_000, 'Streams groups (KIP-1071): Maximum assignment interval (ms).', { ...ro, min: 0, importance: 'medium' }),
  k('group.streams.assignors', 'list', ['sticky'], 'Streams groups (KIP-1071): Assignors.', { ...ro, importance: 'medium' }),
  k('group.streams.rack.aware.assignment.tags', 'list', [], 'Streams groups (KIP-1071): Rack aware assignment tags.', ro),
  k('group.streams.topology.description.plugin.class', 'class', null, 'Streams groups (KIP-1071): Topology description plugin class.', { ...ro, importance: 'medium' }),
  k('group.share.delivery.count.limit', 'int', 5, 'Share groups (KIP-932): Delivery count limit.', { ...ro, min: 2, max: 10, importance: 'medium' }),
  k('group.share.max.delivery.count.limit', 'int', 10, 'Share groups (KIP-932): Maximum delivery count limit.', { ...ro, min: 5, max: 25, importance: 'medium' }),
  k('group.share.min.delivery.count.limit', 'int', 2, 'Share groups (KIP-932): Minimum delivery count limit.', { ...ro, min: 2, max: 5, importance: 'medium' }),
  k('group.share.record.lock.duration.ms', 'int', 30_000, 'Share groups (KIP-932): Record lock duration (ms).', { ...ro, min: 1000, max: 3_600_000, importance: 'medium' }),
  k('group.share.min.record.lock.duration.ms', 'int', 15_000, 'Share groups (KIP-932): Minimum record lock duration (ms).', { ...ro, min: 1000, max: 30_000, importance: 'medium' }),
  k('group.share.max.record.lock.duration.ms', 'int', 60_000, 'Share groups (KIP-932): Maximum record lock duration (ms).', { ...ro, min: 30_000, max: 3_600_000, importance: 'medium' }),
  k('group.share.partition.max.record.locks', 'int', 2000, 'Share groups (KIP-932): Partition maximum record locks.', { ...ro, min: 100, max: 10_000, importance: 'medium' }),
  k('group.share.max.partition.max.record.locks', 'int', 4000, 'Share groups (KIP-932): Maximum partition maximum record locks.', { ...ro, min: 2000, max: 10_000, importance: 'medium' }),
  k('group.share.min.partition.max.record.locks', 'int', 100, 'Share groups (KIP-932): Minimum partition maximum record locks.', { ...ro, min: 100, max: 2000, importance: 'medium' }),
  k('share.fetch.purgatory.purge.interval.requests', 'int', 1000, 'Share groups (KIP-932): Fetch purgatory purge interval requests.', { ...ro, importance: 'medium' }),
  k('group.share.max.share.sessions', 'int', 2000, 'Share groups (KIP-932): Maximum share sessions.', { ...ro, min: 1, importance: 'medium' }),
  k('share.coordinator.state.topic.segment.bytes', 'int', 104_857_600, 'Share groups (KIP-932): Coordinator state topic segment bytes.', { ...ro, min: 1, importance: 'high' }),
  k('share.coordinator.threads', 'int', 1, 'Share groups (KIP-932): Coordinator threads.', { ...ro, min: 1, importance: 'medium' }),
  k('share.coordinator.snapshot.update.records.per.snapshot', 'int', 500, 'Share groups (KIP-932): Coordinator snapshot update records per snapshot.', { ...ro, min: 0, max: 500, importance: 'medium' }),
  k('share.coordinator.load.buffer.size', 'int', 5_242_880, 'Share groups (KIP-932): Coordinator load buffer size.', { ...ro, min: 1, importance: 'high' }),
  k('share.coordinator.state.topic.compression.codec', 'int', 0, 'Share groups (KIP-932): Coordinator state topic compression codec.', { ...ro, importance: 'high' }),
  k('share.coordinator.append.linger.ms', 'int', -1, 'Share groups (KIP-932): Coordinator append linger (ms).', { ...ro, min: -1, importance: 'medium' }),
  k('share.coordinator.write.timeout.ms', 'int', 5000, 'Share groups (KIP-932): Coordinator write timeout (ms).', { ...ro, min: 1, importance: 'high' }),
  k('share.coordinator.cached.buffer.max.bytes', 'int', 1_048_588, 'Share groups (KIP-932): Coordinator cached buffer maximum bytes.', { ...cw, min: 524_288, importance: 'medium' }),
]
