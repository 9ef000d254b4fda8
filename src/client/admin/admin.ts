// The admin client: topics, partitions, configs, consumer groups and offsets; ACLs and SCRAM
// users (security-admin.ts). Each call is one
// or a few requests with the client's retry policy; errors carry Kafka's names per resource.
import { ZERO_UUID } from '../../protocol/primitives/index.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { CreateTopicsResponse } from '../../protocol/generated/messages/create-topics.ts'
import type { DeleteTopicsResponse } from '../../protocol/generated/messages/delete-topics.ts'
import type { CreatePartitionsResponse } from '../../protocol/generated/messages/create-partitions.ts'
import type { DescribeConfigsResponse } from '../../protocol/generated/messages/describe-configs.ts'
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/messages/incremental-alter-configs.ts'
import type { ListGroupsResponse } from '../../protocol/generated/messages/list-groups.ts'
import type { DescribeGroupsResponse } from '../../protocol/generated/messages/describe-groups.ts'
import type { DeleteGroupsResponse } from '../../protocol/generated/messages/delete-groups.ts'
import type { DeleteRecordsResponse } from '../../protocol/generated/messages/delete-records.ts'
import { Cluster } from '../cluster.ts'
import type { BrokerInfo, TopicInfo } from '../cluster.ts'
import type { Connection } from '../net/connection.ts'
import { KafkaError } from '../errors.ts'
import { resolveClientOptions } from '../options.ts'
import type { ClientOptions } from '../options.ts'
import { retry } from '../retry.ts'
import { EARLIEST, LATEST, commitOffsets, fetchCommitted, listOffsets } from '../offsets.ts'
import type { TopicPartition, TopicPartitionOffset } from '../offsets.ts'
import { decodeAssignment, decodeSubscription } from '../consumer/assignors.ts'
import { describeConsumerGroup } from './consumer-group-describe.ts'
import { alterScramCredentials, createAcls, deleteAcls, deleteAclsByFilter, describeAcls, describeScramCredentials } from './security-admin.ts'
import type { AclBinding, AclFilter, ScramMechanism, ScramUpsert, ScramUser } from './security-admin.ts'
import { alterClientQuotas, describeClientQuotas } from './quota-admin.ts'
import type { ClientQuotaAlteration, ClientQuotaEntry } from './quota-admin.ts'
import { describeFeatures, updateFeatures } from './feature-admin.ts'
import type { FeatureMetadata, FeatureUpdate } from './feature-admin.ts'
import { withQuotaRetries } from './quota-retry.ts'
import { alterPartitionReassignments, electLeaders, listPartitionReassignments, reassignPartitions } from './replica-admin.ts'
import type { ElectionResult, ElectionType, OngoingReassignment, PartitionReassignment, ReassignmentResult } from './replica-admin.ts'

export interface NewTopic {
  topic: string
  /** Default -1: the broker's num.partitions. */
  numPartitions?: number
  /** Default -1: the broker's default.replication.factor. */
  replicationFactor?: number
  /** Explicit replica assignment: partition -> broker ids (then leave counts unset). */
  assignments?: Record<number, number[]>
  configs?: Record<string, string>
}

export type ConfigResourceType = 'topic' | 'broker'
const RESOURCE_TYPE: Record<ConfigResourceType, number> = { topic: 2, broker: 4 }

export interface ConfigEntry {
  name: string
  value: string | null
  readOnly: boolean
  isDefault: boolean
  isSensitive: boolean
  source: number
}

export interface AlterConfigOp {
  name: string
  /** set (default), delete, append or subtract (list configs). */
  op?: 'set' | 'delete' | 'append' | 'subtract'
  value?: string | null
}
const OPS = { set: 0, delete: 1, append: 2, subtract: 3 } as const

export interface GroupDescription {
  groupId: string
  state: string
  protocolType: string
  protocol: string
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; topics: string[]; assignment: TopicPartition[]; rack?: string | null }[]
}

export interface PartitionLag extends TopicPartition {
  committed: number
  end: number
  lag: number
}

export class Admin {
  readonly cluster: Cluster

  constructor(options: ClientOptions) {
    this.cluster = new Cluster(resolveClientOptions(options))
  }

  private async controller(): Promise<Connection> {
    if (this.cluster.controllerId < 0 || !this.cluster.brokers.has(this.cluster.controllerId)) await this.cluster.refreshMetadata()
    const id = this.cluster.controllerId
    return id >= 0 && this.cluster.brokers.has(id) ? this.cluster.nodeConnection(id) : this.cluster.anyConnection()
  }

  private run<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, this.cluster.retryOptions)
  }

  /**
   * Creates topics. Topics refused for the client's controller_mutation_rate are sent again after the
   * throttle time until `timeoutMs`, as Kafka's AdminClient (`retryOnQuotaViolation: false` fails at once).
   */
  async createTopics(topics: readonly NewTopic[],
    opts: { validateOnly?: boolean; timeoutMs?: number; retryOnQuotaViolation?: boolean } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.cluster.options.requestTimeoutMs
    const results = await withQuotaRetries(topics, (pending) => this.run(async () => {
      const res = await (await this.controller()).request<CreateTopicsResponse>(ApiKey.CreateTopics, {
        topics: pending.map((t) => ({
          name: t.topic,
          numPartitions: t.assignments ? -1 : t.numPartitions ?? -1,
          replicationFactor: t.assignments ? -1 : t.replicationFactor ?? -1,
          assignments: Object.entries(t.assignments ?? {}).map(([p, brokerIds]) => ({ partitionIndex: Number(p), brokerIds })),
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs,
        validateOnly: opts.validateOnly ?? false,
      })
      return { throttleTimeMs: res.throttleTimeMs, results: res.topics }
    }), (t) => t.topic, (r) => r.name, this.quotaRetry(opts, timeoutMs))
    for (const t of results) if (t.errorCode !== 0) throw new KafkaError(t.errorCode, { topic: t.name, message: t.errorMessage, api: 'CreateTopics' })
    // Wait until every new topic has leaders, so the caller can use it at once.
    if (!opts.validateOnly) for (const t of topics) await this.cluster.topic(t.topic)
  }

  /** Deletes topics; quota refusals are retried as in createTopics. */
  async deleteTopics(topics: readonly string[], opts: { timeoutMs?: number; retryOnQuotaViolation?: boolean } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.cluster.options.requestTimeoutMs
    const results = await withQuotaRetries(topics, (pending) => this.run(async () => {
      const conn = await this.controller()
      const v = conn.version(ApiKey.DeleteTopics)
      const res = await conn.request<DeleteTopicsResponse>(ApiKey.DeleteTopics, {
        topics: v >= 6 ? pending.map((name) => ({ name, topicId: ZERO_UUID })) : [],
        topicNames: v >= 6 ? [] : [...pending],
        timeoutMs,
      })
      return { throttleTimeMs: res.throttleTimeMs, results: res.responses }
    }), (t) => t, (r) => r.name, this.quotaRetry(opts, timeoutMs))
    for (const t of results) if (t.errorCode !== 0) throw new KafkaError(t.errorCode, { topic: t.name ?? undefined, message: t.errorMessage, api: 'DeleteTopics' })
    for (const t of topics) this.cluster.invalidate(t)
  }

  private quotaRetry(opts: { retryOnQuotaViolation?: boolean }, timeoutMs: number): { retry: boolean, deadline: number } {
    return { retry: opts.retryOnQuotaViolation ?? true, deadline: Date.now() + timeoutMs }
  }

  /** Names of the topics (internal ones only with { internal: true }). */
  async listTopics(opts: { internal?: boolean } = {}): Promise<string[]> {
    const res = await this.cluster.fetchMetadata(null)
    return res.topics.filter((t) => t.errorCode === 0 && t.name !== null && (opts.internal || !t.isInternal)).map((t) => t.name!).sort()
  }

  async describeTopics(topics: readonly string[]): Promise<TopicInfo[]> {
    const res = await this.cluster.fetchMetadata(topics)
    for (const t of res.topics) if (t.errorCode !== 0) throw new KafkaError(t.errorCode, { topic: t.name ?? undefined, api: 'Metadata' })
    return topics.map((t) => this.cluster.cachedTopic(t)!)
  }

  async describeCluster(): Promise<{ clusterId: string | null; controllerId: number; brokers: BrokerInfo[] }> {
    await this.cluster.fetchMetadata([])
    return { clusterId: this.cluster.clusterId, controllerId: this.cluster.controllerId, brokers: [...this.cluster.brokers.values()] }
  }

  /** Grows topics to `count` partitions each. */
  /** Grows topics to `count` partitions; quota refusals are retried as in createTopics. */
  async createPartitions(topics: readonly { topic: string; count: number; assignments?: number[][] }[],
    opts: { timeoutMs?: number; retryOnQuotaViolation?: boolean } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? this.cluster.options.requestTimeoutMs
    const results = await withQuotaRetries(topics, (pending) => this.run(async () => {
      const res = await (await this.controller()).request<CreatePartitionsResponse>(ApiKey.CreatePartitions, {
        topics: pending.map((t) => ({ name: t.topic, count: t.count, assignments: t.assignments?.map((brokerIds) => ({ brokerIds })) ?? null })),
        timeoutMs, validateOnly: false,
      })
      return { throttleTimeMs: res.throttleTimeMs, results: res.results }
    }), (t) => t.topic, (r) => r.name, this.quotaRetry(opts, timeoutMs))
    for (const t of results) if (t.errorCode !== 0) throw new KafkaError(t.errorCode, { topic: t.name, message: t.errorMessage, api: 'CreatePartitions' })
    for (const t of topics) this.cluster.invalidate(t.topic)
  }

  async describeConfigs(type: ConfigResourceType, name: string, keys?: string[]): Promise<ConfigEntry[]> {
    const res = await this.run(async () => {
      const conn = type === 'broker' ? await this.cluster.nodeConnection(Number(name)) : await this.cluster.anyConnection()
      return conn.request<DescribeConfigsResponse>(ApiKey.DescribeConfigs, {
        resources: [{ resourceType: RESOURCE_TYPE[type], resourceName: name, configurationKeys: keys ?? null }],
        includeSynonyms: false, includeDocumentation: false,
      })
    })
    const r = res.results[0]!
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, { topic: type === 'topic' ? name : undefined, message: r.errorMessage, api: 'DescribeConfigs' })
    return r.configs.map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, isDefault: c.isDefault || c.configSource === 5, isSensitive: c.isSensitive, source: c.configSource }))
  }

  /** IncrementalAlterConfigs: only the named configs change. */
  async alterConfigs(type: ConfigResourceType, name: string, ops: readonly AlterConfigOp[], opts: { validateOnly?: boolean } = {}): Promise<void> {
    const res = await this.run(async () => {
      const conn = type === 'broker' ? await this.cluster.nodeConnection(Number(name)) : await this.controller()
      return conn.request<IncrementalAlterConfigsResponse>(ApiKey.IncrementalAlterConfigs, {
        resources: [{ resourceType: RESOURCE_TYPE[type], resourceName: name, configs: ops.map((o) => ({ name: o.name, configOperation: OPS[o.op ?? 'set'], value: o.value ?? null })) }],
        validateOnly: opts.validateOnly ?? false,
      })
    })
    const r = res.responses[0]!
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, { message: r.errorMessage, api: 'IncrementalAlterConfigs' })
  }

  /** Groups known to any broker (each broker lists the groups it coordinates). */
  async listGroups(): Promise<{ groupId: string; protocolType: string; state: string }[]> {
    await this.cluster.refreshMetadata()
    const out = new Map<string, { groupId: string; protocolType: string; state: string }>()
    for (const b of this.cluster.brokers.values()) {
      const res = await this.run(async () => (await this.cluster.nodeConnection(b.nodeId)).request<ListGroupsResponse>(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] }))
      if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { api: 'ListGroups' })
      for (const g of res.groups) out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState })
    }
    return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1))
  }

  /** A classic group's description, or a KIP-848 consumer group's (ConsumerGroupDescribe). */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    const modern = await this.run(async () => describeConsumerGroup(await this.cluster.coordinator(groupId, 0), groupId))
    if (modern) return modern
    const res = await this.run(async () => (await this.cluster.coordinator(groupId, 0)).request<DescribeGroupsResponse>(ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }))
    const g = res.groups[0]!
    if (g.errorCode !== 0) throw new KafkaError(g.errorCode, { message: g.errorMessage, api: 'DescribeGroups' })
    const consumer = g.protocolType === 'consumer'
    return {
      groupId, state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData,
      members: g.members.map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        topics: consumer && m.memberMetadata.length > 0 ? decodeSubscription(m.memberId, m.groupInstanceId, m.memberMetadata).topics : [],
        assignment: consumer ? decodeAssignment(m.memberAssignment) : [],
      })),
    }
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const groupId of groupIds) {
      const res = await this.run(async () => (await this.cluster.coordinator(groupId, 0)).request<DeleteGroupsResponse>(ApiKey.DeleteGroups, { groupsNames: [groupId] }))
      for (const r of res.results) if (r.errorCode !== 0) throw new KafkaError(r.errorCode, { message: r.errorMessage, api: 'DeleteGroups' })
    }
  }

  /** Committed offsets of a group (every partition it committed when `partitions` is omitted). */
  groupOffsets(groupId: string, partitions?: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return fetchCommitted(this.cluster, groupId, partitions ?? null)
  }

  /** Sets a group's committed offsets (the group must have no active members). */
  setGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    return commitOffsets(this.cluster, { groupId, generationId: -1, memberId: '', groupInstanceId: null }, offsets)
  }

  /** Lag per partition: log end offset minus committed offset (end when nothing is committed). */
  async groupLag(groupId: string): Promise<PartitionLag[]> {
    const committed = (await this.groupOffsets(groupId)).filter((c) => c.offset >= 0)
    if (committed.length === 0) return []
    const ends = await listOffsets(this.cluster, committed.map((c) => ({ topic: c.topic, partition: c.partition, timestamp: LATEST })))
    return committed.map((c) => {
      const end = ends.find((e) => e.topic === c.topic && e.partition === c.partition)!.offset
      return { topic: c.topic, partition: c.partition, committed: c.offset, end, lag: Math.max(0, end - c.offset) }
    })
  }

  /** Offsets by time: 'earliest', 'latest' or a timestamp in ms (-1 when no record is that new). */
  listOffsets(partitions: readonly TopicPartition[], at: 'earliest' | 'latest' | number = 'latest', isolation: 'read_uncommitted' | 'read_committed' = 'read_uncommitted'): Promise<TopicPartitionOffset[]> {
    const timestamp = at === 'earliest' ? EARLIEST : at === 'latest' ? LATEST : at
    return listOffsets(this.cluster, partitions.map((p) => ({ topic: p.topic, partition: p.partition, timestamp })), isolation === 'read_committed' ? 1 : 0)
  }

  /** Deletes records before `offset` in each partition; returns the new log start offsets. */
  async deleteRecords(offsets: readonly TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
    const out: TopicPartitionOffset[] = []
    for (const o of offsets) {
      const res = await this.run(async () => {
        const t = await this.cluster.topic(o.topic)
        const leader = t.partitions[o.partition]?.leader ?? -1
        const conn = await this.cluster.nodeConnection(leader)
        return conn.request<DeleteRecordsResponse>(ApiKey.DeleteRecords, {
          topics: [{ name: o.topic, partitions: [{ partitionIndex: o.partition, offset: BigInt(o.offset) }] }], timeoutMs: this.cluster.options.requestTimeoutMs,
        })
      })
      for (const t of res.topics) for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new KafkaError(p.errorCode, { topic: t.name, partition: p.partitionIndex, api: 'DeleteRecords' })
        out.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.lowWatermark) })
      }
    }
    return out
  }

  createAcls(bindings: readonly AclBinding[]): Promise<void> {
    return createAcls(() => this.controller(), (fn) => this.run(fn), bindings)
  }

  describeAcls(filter: AclFilter = {}): Promise<AclBinding[]> {
    return describeAcls(() => this.controller(), (fn) => this.run(fn), filter)
  }

  /** Deletes the bindings each filter matches; returns them. */
  deleteAcls(filters: readonly AclFilter[]): Promise<AclBinding[]> {
    return deleteAcls(() => this.controller(), (fn) => this.run(fn), filters)
  }

  /** As deleteAcls, with each filter's deleted bindings apart. */
  deleteAclsByFilter(filters: readonly AclFilter[]): Promise<AclBinding[][]> {
    return deleteAclsByFilter(() => this.controller(), (fn) => this.run(fn), filters)
  }

  /** Creates or replaces SCRAM credentials (the password is salted here) and deletes others. */
  alterScramCredentials(upserts: readonly ScramUpsert[], deletions: readonly { user: string; mechanism: ScramMechanism }[] = []): Promise<void> {
    return alterScramCredentials(() => this.controller(), (fn) => this.run(fn), upserts, deletions)
  }

  describeScramCredentials(users?: readonly string[]): Promise<ScramUser[]> {
    return describeScramCredentials(() => this.controller(), (fn) => this.run(fn), users)
  }

  /** Client quotas matching a filter (see quota-admin.ts); `{}` lists every entity. */
  describeClientQuotas(filter: Parameters<typeof describeClientQuotas>[2] = {}, strict = false): Promise<ClientQuotaEntry[]> {
    return describeClientQuotas(() => this.controller(), (fn) => this.run(fn), filter, strict)
  }

  /** Sets (a number) or removes (null) quota keys per entity; throws the first entity's error. */
  alterClientQuotas(alterations: readonly ClientQuotaAlteration[], opts: { validateOnly?: boolean } = {}): Promise<void> {
    return alterClientQuotas(() => this.controller(), (fn) => this.run(fn), alterations, opts.validateOnly)
  }

  /** Moves partitions' replicas (data copied by replication); `replicas: null` cancels a move under way. */
  alterPartitionReassignments(moves: readonly PartitionReassignment[], opts: { timeoutMs?: number } = {}): Promise<void> {
    return alterPartitionReassignments(() => this.controller(), (fn) => this.run(fn), moves, opts.timeoutMs ?? 30_000)
  }

  /** As alterPartitionReassignments, with one result per partition, errors included (Kafka's per-partition futures). */
  reassignPartitions(moves: readonly PartitionReassignment[], opts: { timeoutMs?: number } = {}): Promise<ReassignmentResult[]> {
    return reassignPartitions(() => this.controller(), (fn) => this.run(fn), moves, opts.timeoutMs ?? 30_000)
  }

  /** Reassignments under way (all, or for the given partitions). */
  listPartitionReassignments(partitions?: readonly TopicPartition[], opts: { timeoutMs?: number } = {}): Promise<OngoingReassignment[]> {
    return listPartitionReassignments(() => this.controller(), (fn) => this.run(fn), partitions, opts.timeoutMs ?? 30_000)
  }

  /** Supported and finalized feature flags (KIP-584), as a broker's ApiVersions answers them. */
  describeFeatures(): Promise<FeatureMetadata> {
    return describeFeatures(() => this.cluster.anyConnection(), (fn) => this.run(fn))
  }

  /** Sets finalized feature levels (a downgrade names its upgradeType); all or nothing. */
  updateFeatures(updates: readonly FeatureUpdate[], opts: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
    return updateFeatures(() => this.controller(), (fn) => this.run(fn), updates, opts.validateOnly ?? false, opts.timeoutMs ?? 30_000)
  }

  /** Preferred (or unclean) leader election; one result per partition, errors included. */
  electLeaders(type: ElectionType, partitions?: readonly TopicPartition[], opts: { timeoutMs?: number } = {}): Promise<ElectionResult[]> {
    return electLeaders(() => this.controller(), (fn) => this.run(fn), type, partitions, opts.timeoutMs ?? 30_000)
  }

  /** This client's number on the diagnostics channels (samsa:client:*). */
  get diagnosticsId(): number {
    return this.cluster.options.diagnosticsId
  }

  async close(): Promise<void> {
    await this.cluster.close()
  }
}
