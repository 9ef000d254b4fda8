// Broker-level configs, with Kafka's names, types and defaults. Where Samsa's default differs from
// Kafka's on purpose, the doc text says so. Keys Kafka's sample server.properties carries but that
// mean nothing to a single Node process are accepted and marked noEffect.
// The arrays are not annotated as ConfigDef[]: their element types keep each literal name, type and
// list of accepted values, from which typed-config.ts derives startBroker's config object type.
import { LONG_MAX, INT_MAX } from './config-def.ts'
import type { ConfigDef, ConfigType, DefOpts, TypedConfigDef } from './config-def.ts'
import { CLUSTER_CONFIGS } from './broker-configs-cluster.ts'
import { KAFKA_GROUP_CONFIGS } from './broker-configs-kafka-groups.ts'
import { SECURITY_CONFIGS } from './broker-configs-security.ts'

function broker<const N extends string, const T extends ConfigType, const V extends readonly string[] = readonly string[]>(
  name: N, type: T, dflt: ConfigDef['default'], doc: string, opts: DefOpts<V> = {},
): TypedConfigDef<N, T, V> {
  return { name, type, default: dflt, scope: 'broker', dynamic: 'read-only', importance: 'medium', doc, ...opts }
}

const ro = { dynamic: 'read-only' } as const
const cw = { dynamic: 'cluster-wide' } as const
const none = { noEffect: true, importance: 'low' } as const

const SERVER = [
  broker('node.id', 'int', 1, 'Id of this node. Samsa defaults to 1 for a single node.', { ...ro, min: -1, importance: 'high' }),
  broker('broker.id', 'int', -1, 'Older name of node.id; when set (>= 0) it must equal node.id or replace its default.', { ...ro, min: -1 }),
  broker('broker.rack', 'string', null, 'Rack of this broker, reported in Metadata; replicas of a partition go to different racks.', ro),
  broker('etcd.connect', 'string', null,
    'Samsa: HOST:PORT[,HOST:PORT...][/prefix] of the etcd cluster holding the cluster metadata (like zookeeper.connect, ' +
    'chroot included). Unset: a single node with its metadata in the data directory.', { ...ro, importance: 'high' }),
  broker('broker.session.timeout.ms', 'int', 6000,
    'Cluster mode: TTL of the etcd lease holding this broker\'s registration (and the controller claim); a broker silent ' +
    'this long is considered failed and its partitions get new leaders. Samsa defaults to 6000 (Kafka: 9000) so a ' +
    'failover takes under 8 s; etcd leases below 6 s proved fragile across etcd leader changes.', { ...ro, min: 1000 }),
  broker('broker.heartbeat.interval.ms', 'int', 2000, 'Cluster mode: how often the registration lease is renewed.', { ...ro, min: 100 }),
  broker('listeners', 'list', ['PLAINTEXT://localhost:9092'],
    'Comma-separated NAME://host:port addresses to listen on (an empty host means all interfaces, port 0 a free port).',
    { ...ro, importance: 'high' }),
  broker('advertised.listeners', 'list', null,
    'Addresses given to clients in Metadata, per listener name (defaults to listeners).', { dynamic: 'per-broker', importance: 'high' }),
  broker('listener.security.protocol.map', 'string',
    'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'Maps listener names to security protocols.', ro),
  broker('admin.listeners', 'list', ['http://localhost:9644'],
    'Samsa: HTTP addresses serving /metrics (Prometheus text format), /health and /ready; empty turns them off. ' +
    'An address in use is logged as a warning and the broker runs on without it (several brokers on one machine).',
    { ...ro, importance: 'high' }),
  broker('schema.registry.listeners', 'list', ['http://localhost:8081'],
    'Samsa: HTTP addresses where `samsa start` serves the Confluent-compatible schema registry (kept in the compacted ' +
    'topic _schemas); empty turns it off. An address in use is logged as a warning and the broker runs on without it. ' +
    'Embedded brokers (startBroker) serve none: call startSchemaRegistry from samsa/registry.',
    { ...ro, importance: 'high' }),
  broker('inter.broker.listener.name', 'string', null, 'Listener used between brokers.', ro),
  broker('log.dirs', 'list', null, 'Data directories (Samsa uses the first). Overrides log.dir.', { ...ro, importance: 'high' }),
  broker('log.dir', 'string', './samsa-data', 'Data directory used when log.dirs is not set (samsa start --data-dir sets it).',
    { ...ro, importance: 'high' }),
  broker('num.partitions', 'int', 1, 'Partitions of an automatically created topic, or of CreateTopics with -1.', { ...ro, min: 1 }),
  broker('max.broker.partitions', 'int', 4000,
    'Samsa (the name KIP-578 proposed): most partitions this broker hosts, internal topics included. CreateTopics, ' +
    'CreatePartitions and auto-creation beyond it fail with POLICY_VIOLATION; every partition keeps open files and ' +
    'memory, so a stream of invented topic names cannot exhaust them. 4000 is Kafka\'s long-standing per-broker guidance.',
    { ...cw, min: 1 }),
  broker('default.replication.factor', 'int', 1, 'Replication factor of automatically created topics.', { ...ro, min: 1 }),
  broker('auto.create.topics.enable', 'boolean', true, 'Create a topic when Metadata or Produce names one that does not exist.',
    { ...ro, importance: 'high' }),
  broker('delete.topic.enable', 'boolean', true, 'Whether DeleteTopics may delete topics.', ro),
  broker('message.max.bytes', 'int', 1_048_588, 'Largest record batch the broker accepts (default of max.message.bytes).',
    { ...cw, min: 0, importance: 'high' }),
  broker('socket.request.max.bytes', 'int', 104_857_600, 'Largest request frame; a larger size prefix closes the connection.',
    { ...ro, min: 1 }),
  broker('socket.send.buffer.bytes', 'int', 102_400, 'SO_SNDBUF of sockets (-1 = OS default).', { ...none, min: -1 }),
  broker('socket.receive.buffer.bytes', 'int', 102_400, 'SO_RCVBUF of sockets (-1 = OS default).', { ...none, min: -1 }),
  broker('queued.max.request.bytes', 'long', 104_857_600,
    'Request bytes in flight (read, not yet answered) across all connections above which connections stop being read ' +
    'until answers go out. Samsa defaults to 100 MiB so a flood cannot exhaust memory (Kafka: -1, unbounded; -1 is accepted).',
    { ...ro, min: -1 }),
  broker('queued.max.requests', 'int', 500,
    'Samsa: per connection, the requests in flight above which reading from that socket pauses.', { ...ro, min: 1 }),
  broker('max.connections', 'int', INT_MAX, 'Most connections open at once (per listener with listener.name.<l>.); a new one waits to be accepted until one closes.', { ...cw, min: 0 }),
  broker('max.connections.per.ip', 'int', INT_MAX, 'Most connections from one IP address (exceptions: max.connections.per.ip.overrides); one more is closed at once.', { ...cw, min: 0 }),
  broker('connections.max.idle.ms', 'long', 600_000, 'Connections with no request for this long are closed.', ro),
  broker('fetch.max.bytes', 'int', 57_671_680, 'Upper bound on the bytes one Fetch response returns.', { ...ro, min: 1024 }),
  broker('min.insync.replicas', 'int', 1, 'Default of the topic config min.insync.replicas.', { ...cw, min: 1 }),
  broker('unclean.leader.election.enable', 'boolean', false, 'Default of the topic config unclean.leader.election.enable.', cw),
  broker('compression.type', 'string', 'producer', 'Default of the topic config compression.type.',
    { ...cw, validValues: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], importance: 'high' }),
  broker('compression.gzip.level', 'int', -1, 'Default of the topic config compression.gzip.level.', { ...cw, min: -1, max: 9 }),
  broker('compression.lz4.level', 'int', 9, 'Default of the topic config compression.lz4.level.', { ...cw, min: 1, max: 17 }),
  broker('compression.zstd.level', 'int', 3, 'Default of the topic config compression.zstd.level.', { ...cw, min: -131072, max: 22 }),
  broker('producer.id.expiration.ms', 'int', 86_400_000, 'Idle time after which a producer id\'s state is dropped.', { ...cw, min: 1 }),
  broker('producer.id.expiration.check.interval.ms', 'int', 600_000, 'How often expired producer ids are removed.', { ...ro, min: 1 }),
  broker('auto.leader.rebalance.enable', 'boolean', true, 'Cluster mode: the controller moves leadership back to preferred replicas.', ro),
  broker('leader.imbalance.check.interval.seconds', 'long', 300, 'Cluster mode: how often the controller checks for lost preferred leaderships.', { ...ro, min: 1, importance: 'high' }),
  broker('leader.imbalance.per.broker.percentage', 'int', 10, 'Cluster mode: share of a broker\'s preferred leaderships lost before they are moved back.', { ...ro, min: 0, importance: 'high' }),
  broker('replica.lag.time.max.ms', 'long', 30_000, 'A follower that has not caught up for this long leaves the ISR.', ro),
  broker('replica.fetch.max.bytes', 'int', 1_048_576, 'Bytes a follower asks for per partition.', { ...ro, min: 0 }),
  broker('replica.fetch.wait.max.ms', 'int', 500, 'Max wait of follower fetches.', ro),
  broker('replica.fetch.min.bytes', 'int', 1, 'Min bytes of follower fetches.', ro),
  broker('replica.selector.class', 'string', null,
    'Follower fetching (KIP-392): which replica a consumer should read from. Kafka\'s RackAwareReplicaSelector points ' +
    'consumers (client.rack) at an in-sync replica in their rack; unset, consumers read from the leader.',
    { ...ro, importance: 'medium', validValues: ['org.apache.kafka.common.replica.RackAwareReplicaSelector'] }),
]

const LOG = [
  broker('log.retention.ms', 'long', null, 'Default of retention.ms; wins over log.retention.minutes and .hours.', { ...cw, min: -1 }),
  broker('log.retention.minutes', 'int', null, 'Default of retention.ms in minutes; wins over log.retention.hours.', ro),
  broker('log.retention.hours', 'int', 168, 'Default of retention.ms in hours.', { ...ro, importance: 'high' }),
  broker('log.retention.bytes', 'long', -1, 'Default of retention.bytes.', cw),
  broker('log.retention.check.interval.ms', 'long', 300_000, 'How often retention runs.', { ...ro, min: 1 }),
  broker('log.segment.bytes', 'int', 1_073_741_824, 'Default of segment.bytes.', { ...cw, min: 14, importance: 'high' }),
  broker('log.segment.delete.delay.ms', 'long', 60_000, 'Default of file.delete.delay.ms.', { ...cw, min: 0 }),
  broker('log.roll.ms', 'long', null, 'Default of segment.ms; wins over log.roll.hours.', { ...cw, min: 1 }),
  broker('log.roll.hours', 'int', 168, 'Default of segment.ms in hours.', { ...ro, min: 1 }),
  broker('log.roll.jitter.ms', 'long', null, 'Default of segment.jitter.ms; wins over log.roll.jitter.hours.', cw),
  broker('log.roll.jitter.hours', 'int', 0, 'Default of segment.jitter.ms in hours.', { ...ro, min: 0 }),
  broker('log.index.interval.bytes', 'int', 4096, 'Default of index.interval.bytes.', { ...cw, min: 0 }),
  broker('log.index.size.max.bytes', 'int', 10_485_760, 'Default of segment.index.bytes.', { ...cw, min: 4 }),
  broker('log.flush.interval.messages', 'long', LONG_MAX, 'Default of flush.messages.', { ...cw, min: 1 }),
  broker('log.flush.interval.ms', 'long', 1000,
    'Default of flush.ms. Samsa defaults to 1000 (Kafka: unset, i.e. never) because a single node has no replicas to ' +
    'recover from: an OS crash can lose at most about a second of acknowledged writes.', { ...cw, min: 0 }),
  broker('log.flush.scheduler.interval.ms', 'long', 1000,
    'How often the flusher checks whether a log\'s flush.ms has passed. Samsa defaults to 1000 (Kafka: never).', { ...ro, min: 1 }),
  broker('log.flush.offset.checkpoint.interval.ms', 'int', 60_000, 'How often recovery points are checkpointed.', { ...ro, min: 1 }),
  broker('log.flush.start.offset.checkpoint.interval.ms', 'int', 60_000, 'How often log start offsets are checkpointed.',
    { ...ro, min: 1 }),
  broker('log.cleanup.policy', 'list', ['delete'], 'Default of cleanup.policy.', { ...cw, validValues: ['compact', 'delete'] }),
  broker('log.preallocate', 'boolean', false, 'Default of preallocate.', { ...cw, noEffect: true }),
  broker('log.message.timestamp.type', 'string', 'CreateTime', 'Default of message.timestamp.type.',
    { ...cw, validValues: ['CreateTime', 'LogAppendTime'] }),
  broker('log.message.timestamp.before.max.ms', 'long', LONG_MAX, 'Default of message.timestamp.before.max.ms.', { ...cw, min: 0 }),
  broker('log.message.timestamp.after.max.ms', 'long', LONG_MAX, 'Default of message.timestamp.after.max.ms.', { ...cw, min: 0 }),
  broker('log.message.timestamp.difference.max.ms', 'long', LONG_MAX, 'Default of message.timestamp.difference.max.ms (removed in Kafka 4.0; kept for configs written for 3.x).',
    { ...cw, min: 0 }),
  broker('log.message.downconversion.enable', 'boolean', true,
    'Default of message.downconversion.enable. Removed in Kafka 4.0; Samsa keeps it because it still serves Fetch v0-3.', cw),
  broker('log.message.format.version', 'string', '3.0-IV1',
    'Default of message.format.version (deprecated; listed by Kafka 3.x, removed in 4.0). Samsa always stores magic 2 batches.',
    { ...cw, noEffect: true }),
  broker('log.local.retention.ms', 'long', -2, 'Default of local.retention.ms (tiered storage).', { ...cw, min: -2, noEffect: true }),
  broker('log.local.retention.bytes', 'long', -2, 'Default of local.retention.bytes (tiered storage).',
    { ...cw, min: -2, noEffect: true }),
  broker('log.cleaner.enable', 'boolean', true, 'Run the compaction cleaner for compacted topics.', ro),
  broker('log.cleaner.threads', 'int', 1, 'Cleaner workers.', { ...cw, min: 0 }),
  broker('log.cleaner.backoff.ms', 'long', 15_000, 'Sleep of the cleaner when there is nothing to clean.', { ...cw, min: 1 }),
  broker('log.cleaner.dedupe.buffer.size', 'long', 134_217_728, 'Memory for the cleaner\'s key map.', cw),
  broker('log.cleaner.io.buffer.size', 'int', 524_288, 'I/O buffer of the cleaner.', { ...cw, min: 0 }),
  broker('log.cleaner.io.buffer.load.factor', 'double', 0.9, 'Load factor of the cleaner\'s key map.', cw),
  broker('log.cleaner.io.max.bytes.per.second', 'double', Number.MAX_VALUE, 'Cleaner I/O throttle.', cw),
  broker('log.cleaner.min.cleanable.ratio', 'double', 0.5, 'Default of min.cleanable.dirty.ratio.', { ...cw, min: 0, max: 1 }),
  broker('log.cleaner.delete.retention.ms', 'long', 86_400_000, 'Default of delete.retention.ms.', { ...cw, min: 0 }),
  broker('log.cleaner.min.compaction.lag.ms', 'long', 0, 'Default of min.compaction.lag.ms.', { ...cw, min: 0 }),
  broker('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, 'Default of max.compaction.lag.ms.', { ...cw, min: 1 }),
]

const GROUPS = [
  broker('offsets.topic.num.partitions', 'int', 50, 'Partitions of __consumer_offsets (fixed once it exists).', { ...ro, min: 1 }),
  broker('offsets.topic.replication.factor', 'short', 3, 'Replication factor of __consumer_offsets (capped at the broker count).',
    { ...ro, min: 1 }),
  broker('offsets.topic.segment.bytes', 'int', 104_857_600, 'segment.bytes of __consumer_offsets.', { ...ro, min: 1 }),
  broker('offsets.topic.compression.codec', 'int', 0, 'Compression of coordinator records (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).',
    { ...ro, min: 0, max: 4 }),
  broker('offsets.retention.minutes', 'int', 10_080, 'Committed offsets of an empty group are dropped after this long.', { ...ro, min: 1 }),
  broker('offsets.retention.check.interval.ms', 'long', 600_000, 'How often stale offsets are looked for.', { ...ro, min: 1 }),
  broker('offsets.commit.timeout.ms', 'int', 5000, 'Wait for an offset commit to be written before answering.', { ...ro, min: 1 }),
  broker('offset.metadata.max.bytes', 'int', 4096, 'Longest metadata string an offset commit may carry.', { ...ro, min: 0 }),
  broker('offsets.load.buffer.size', 'int', 5_242_880, 'Read size when loading offsets at start-up.', { ...ro, min: 1 }),
  broker('group.initial.rebalance.delay.ms', 'int', 3000, 'Wait for more members before the first rebalance of an empty group.', ro),
  broker('group.min.session.timeout.ms', 'int', 6000, 'Smallest session timeout a member may ask for.', ro),
  broker('group.max.session.timeout.ms', 'int', 1_800_000, 'Largest session timeout a member may ask for.', ro),
  broker('group.max.size', 'int', INT_MAX, 'Most members in one classic group.', { ...ro, min: 1 }),
  // Kafka 4.0-4.1 turned share groups on by naming 'share' here; Samsa serves them by default.
  broker('group.coordinator.rebalance.protocols', 'list', ['classic', 'consumer', 'share'], 'Group protocols the coordinator serves.',
    { ...ro, validValues: ['classic', 'consumer', 'share'] }),
  broker('group.consumer.session.timeout.ms', 'int', 45_000, 'Session timeout of KIP-848 consumer group members.', { ...ro, min: 1 }),
  broker('group.consumer.heartbeat.interval.ms', 'int', 5000, 'Heartbeat interval of KIP-848 consumer group members.',
    { ...ro, min: 1 }),
  broker('group.consumer.max.size', 'int', INT_MAX, 'Most members in one KIP-848 consumer group.', { ...ro, min: 1 }),
  broker('group.consumer.regex.refresh.interval.ms', 'int', 600_000,
    'Under an authorizer, how often the topics of KIP-848 regex subscriptions are resolved again (topic ACL changes show then).', { ...ro, min: 10_000 }),
]

const TRANSACTIONS = [
  broker('transaction.max.timeout.ms', 'int', 900_000, 'Largest transaction timeout a producer may ask for.', { ...ro, min: 1 }),
  broker('transactional.id.expiration.ms', 'int', 604_800_000, 'Idle time after which a transactional id expires.', { ...ro, min: 1 }),
  broker('transaction.state.log.num.partitions', 'int', 50, 'Partitions of __transaction_state.', { ...ro, min: 1 }),
  broker('transaction.state.log.replication.factor', 'short', 3, 'Replication factor of __transaction_state.', { ...ro, min: 1 }),
  broker('transaction.state.log.min.isr', 'int', 2, 'min.insync.replicas of __transaction_state.', { ...ro, min: 1 }),
  broker('transaction.state.log.segment.bytes', 'int', 104_857_600, 'segment.bytes of __transaction_state.', { ...ro, min: 1 }),
  broker('transaction.state.log.load.buffer.size', 'int', 5_242_880, 'Read size when loading transaction state.', { ...ro, min: 1 }),
  broker('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', 10_000,
    'How often timed-out transactions are aborted.', { ...ro, min: 1 }),
  broker('transaction.remove.expired.transaction.cleanup.interval.ms', 'int', 3_600_000,
    'How often expired transactional ids are removed.', { ...ro, min: 1 }),
  broker('transaction.partition.verification.enable', 'boolean', true,
    'Check that a transactional produce targets a partition already added to the transaction.', cw),
]

/** Keys common in Kafka deployments (KRaft/ZooKeeper, threading) that a single Node process ignores. */
const COMPAT = [
  broker('process.roles', 'list', [], 'KRaft roles (broker, controller). Samsa is always both.', { ...none, validValues: ['broker', 'controller'] }),
  broker('controller.quorum.voters', 'list', [], 'KRaft voters. Ignored.', none),
  broker('controller.quorum.bootstrap.servers', 'list', [], 'KRaft bootstrap servers. Ignored.', none),
  broker('controller.listener.names', 'list', null,
    'KRaft controller listener names. Listeners with these names are not bound: Samsa has no separate controller endpoint.',
    { ...ro, importance: 'low' }),
  broker('metadata.log.dir', 'string', null, 'KRaft metadata log directory. Ignored (metadata lives in the data directory).', none),
  broker('share.coordinator.state.topic.replication.factor', 'short', 3, 'Replication factor of __share_group_state (capped at the broker count).', { ...ro, min: 1 }),
  broker('share.coordinator.state.topic.min.isr', 'short', 2, 'min.insync.replicas of __share_group_state.', { ...ro, min: 1 }),
  broker('share.coordinator.state.topic.num.partitions', 'int', 50, 'Partitions of __share_group_state (fixed once it exists).', { ...ro, min: 1 }),
  broker('samsa.share.persist.acquisitions', 'boolean', false,
    'Samsa: answer a ShareFetch only once the acquired records\' delivery counts are written to __share_group_state, so a ' +
    'leader that fails right after handing records out still counts that delivery (delivery.count.limit holds across ' +
    'failures). Off, as Kafka: state is written on acknowledgement, release and lock expiry only, and a leader failure ' +
    'forgets the deliveries in flight (those records come back with their earlier count). On costs one state write per ' +
    'fetch that acquires records (measured 9-49% fewer records/s, BENCHMARKS.md Groups).', ro),
  broker('group.share.enable', 'boolean', false, 'Share groups (KIP-932) switch of Kafka 4.0, later removed. Not supported.', none),
  broker('zookeeper.connect', 'string', null, 'ZooKeeper address (removed in Kafka 4.0, KRaft only). Accepted so old server.properties load.', none),
  broker('zookeeper.connection.timeout.ms', 'int', null, 'ZooKeeper timeout (removed in Kafka 4.0). Accepted so old server.properties load.', none),
  broker('num.network.threads', 'int', 3, 'Network threads. Samsa runs on one event loop.', { ...none, ...cw, min: 1 }),
  broker('num.io.threads', 'int', 8, 'I/O threads. Samsa runs on one event loop.', { ...none, ...cw, min: 1 }),
  broker('num.replica.fetchers', 'int', 1, 'Replica fetcher threads.', { ...none, ...cw }),
  broker('num.recovery.threads.per.data.dir', 'int', 2, 'Recovery threads per data dir.', { ...none, ...cw, min: 1 }),
  broker('background.threads', 'int', 10, 'Background threads.', { ...none, ...cw, min: 1 }),
]

/** Every broker key of Kafka 4.4 (plus the few older ones Samsa keeps): the ones Samsa acts on first. */
export const BROKER_CONFIGS = [
  ...SERVER, ...LOG, ...GROUPS, ...TRANSACTIONS, ...COMPAT, ...CLUSTER_CONFIGS, ...KAFKA_GROUP_CONFIGS, ...SECURITY_CONFIGS,
]
