// `kafka.admin()`: KafkaJS's admin client on samsa/client's Admin. Shapes and quirks follow
// KafkaJS: createTopics resolves false when a topic already exists and rejects with a
// KafkaJSAggregateError of KafkaJSCreateTopicError otherwise; offsets are strings; setOffsets and
// resetOffsets need a group without running members and commit -2 (earliest) / -1 (latest) as
// given. alterConfigs sets the listed configs (IncrementalAlterConfigs), leaving others as they are.
import { Admin } from '../admin/admin.ts'
import { KafkaError } from '../errors.ts'
import type { ClientOptions } from '../options.ts'
import { KafkaJSAggregateError, KafkaJSAlterPartitionReassignmentsError, KafkaJSCreateTopicError, KafkaJSDeleteGroupsError, KafkaJSNonRetriableError, KafkaJSProtocolError, kafkaJsErrors } from './errors.ts'
import type { KafkaJSError } from './errors.ts'
import { createAcls, deleteAcls, describeAcls } from './acls.ts'
import type { AclEntry, AclFilterEntry, DescribeAclResource } from './acls.ts'
import { requestPayload, requests } from './channel-events.ts'
import { ADMIN_EVENTS, Instrumentation } from './events.ts'
import type { InstrumentationEvent, RemoveInstrumentationEventListener } from './events.ts'
import type { ClientOptionsFactory } from './kafka.ts'
import type { Logger } from './logger.ts'
import { groupDescription } from './group-description.ts'
import type { AdminConfig, GroupDescription, ITopicMetadata, PartitionOffset } from './types.ts'

export interface ITopicConfig {
  topic: string
  numPartitions?: number
  replicationFactor?: number
  replicaAssignment?: { partition: number; replicas: number[] }[]
  configEntries?: { name: string; value: string }[]
}

/** KafkaJS's ConfigResourceTypes. */
export const ConfigResourceTypes = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const
export type ConfigResourceTypes = (typeof ConfigResourceTypes)[keyof typeof ConfigResourceTypes]

export interface ConfigEntries {
  configName: string
  configValue: string
  isDefault: boolean
  configSource: number
  isSensitive: boolean
  readOnly: boolean
  configSynonyms: { configName: string; configValue: string; configSource: number }[]
}

export interface DescribeConfigResponse {
  resources: { configEntries: ConfigEntries[]; errorCode: number; errorMessage: string; resourceName: string; resourceType: number }[]
  throttleTime: number
}

const TOPIC_ALREADY_EXISTS = 36
const GROUP_ID_NOT_FOUND = 69

function resourceType(type: number): 'topic' | 'broker' {
  if (type === ConfigResourceTypes.TOPIC) return 'topic'
  if (type === ConfigResourceTypes.BROKER) return 'broker'
  throw new KafkaJSNonRetriableError(`Config resource type ${type} is not supported (TOPIC 2, BROKER 4)`)
}

export interface PartitionReassignment {
  topic: string
  partitionAssignment: { partition: number; replicas: number[] }[]
}

export interface OngoingTopicReassignment {
  name: string
  topic: string
  partitions: { partition: number; partitionIndex: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }[]
}

/** KafkaJS's checks of a topics array: names that are strings, each topic once. */
function checkTopicList(topics: { topic: unknown }[]): void {
  if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(topics)}`)
  if (topics.some(({ topic }) => typeof topic !== 'string')) throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
  if (new Set(topics.map(({ topic }) => topic)).size < topics.length) {
    throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
  }
}

export class KafkaJsAdmin {
  readonly events = ADMIN_EVENTS
  private readonly requestEvents = requests((m) => this.instrumentation.emit(ADMIN_EVENTS.REQUEST, requestPayload(m)))
  private readonly instrumentation = new Instrumentation(Object.values(ADMIN_EVENTS), (name) => {
    if (name === ADMIN_EVENTS.REQUEST) this.requestEvents.start()
  })
  private admin_: Admin | null = null

  constructor(
    private readonly options: ClientOptionsFactory,
    private readonly config: AdminConfig,
    private readonly log: Logger,
  ) {}

  private get admin(): Admin {
    if (this.admin_ === null) throw new KafkaJSNonRetriableError('The admin client is not connected; call connect() first')
    return this.admin_
  }

  connect(): Promise<void> {
    return kafkaJsErrors(async () => {
      if (this.admin_ !== null) return
      const base: ClientOptions = await this.options(this.config.retry)
      const admin = new Admin(base)
      this.requestEvents.ids.add(admin.diagnosticsId)
      try {
        await admin.describeCluster()
      } catch (err) {
        await admin.close()
        throw err
      }
      this.admin_ = admin
      this.instrumentation.emit(ADMIN_EVENTS.CONNECT, null)
    })
  }

  disconnect(): Promise<void> {
    return kafkaJsErrors(async () => {
      const a = this.admin_
      this.admin_ = null
      if (a === null) return
      await a.close()
      this.requestEvents.ids.delete(a.diagnosticsId)
      this.instrumentation.emit(ADMIN_EVENTS.DISCONNECT, null)
    })
  }

  listTopics(): Promise<string[]> {
    return kafkaJsErrors(() => this.admin.listTopics({ internal: true }))
  }

  /** true when every topic was created; false when one already existed. */
  createTopics(options: { topics: ITopicConfig[]; validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number }): Promise<boolean> {
    return kafkaJsErrors(async () => {
      const names = options.topics.map((t) => t.topic)
      if (new Set(names).size !== names.length) throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
      let existed = false
      const errors: KafkaJSError[] = []
      for (const t of options.topics) {
        try {
          await this.admin.createTopics([{
            topic: t.topic, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor,
            assignments: t.replicaAssignment === undefined || t.replicaAssignment.length === 0 ? undefined : Object.fromEntries(t.replicaAssignment.map((a) => [a.partition, a.replicas])),
            configs: Object.fromEntries((t.configEntries ?? []).map((c) => [c.name, c.value])),
          }], { validateOnly: options.validateOnly, timeoutMs: options.timeout })
        } catch (err) {
          if (err instanceof KafkaError && err.code === TOPIC_ALREADY_EXISTS) existed = true
          else if (err instanceof KafkaError) errors.push(new KafkaJSCreateTopicError(err, t.topic))
          else throw err
        }
      }
      if (errors.length > 0) throw new KafkaJSAggregateError('Topic creation errors', errors)
      return !existed
    })
  }

  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void> {
    return kafkaJsErrors(() => this.admin.deleteTopics(options.topics, { timeoutMs: options.timeout }))
  }

  createPartitions(options: { topicPartitions: { topic: string; count: number; assignments?: number[][] }[]; validateOnly?: boolean; timeout?: number }): Promise<boolean> {
    return kafkaJsErrors(async () => {
      await this.admin.createPartitions(options.topicPartitions.map((t) => ({ topic: t.topic, count: t.count, assignments: t.assignments })))
      return true
    })
  }

  /** Partitions with leader, replicas and ISR of the topics (all topics without `topics`). */
  fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: ITopicMetadata[] }> {
    return kafkaJsErrors(async () => {
      const names = options?.topics ?? await this.admin.listTopics({ internal: true })
      const infos = await this.admin.describeTopics(names)
      return {
        topics: infos.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionErrorCode: p.errorCode, partitionId: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, offlineReplicas: [] })),
        })),
      }
    })
  }

  private async partitionsOf(topic: string): Promise<number[]> {
    const [info] = await this.admin.describeTopics([topic])
    return info!.partitions.map((p) => p.partition)
  }

  /** Committed offsets per partition of each topic ('-1' where none). */
  fetchOffsets(options: { groupId: string; topics?: string[]; resolveOffsets?: boolean }): Promise<{ topic: string; partitions: (PartitionOffset & { metadata: string | null })[] }[]> {
    return kafkaJsErrors(async () => {
      const { groupId } = options
      let committed
      if (options.topics === undefined) committed = await this.admin.groupOffsets(groupId)
      else {
        const tps = (await Promise.all(options.topics.map(async (topic) => (await this.partitionsOf(topic)).map((partition) => ({ topic, partition }))))).flat()
        committed = await this.admin.groupOffsets(groupId, tps)
      }
      if (options.resolveOffsets === true) {
        const special = committed.filter((c) => c.offset === -1 || c.offset === -2)
        if (special.length > 0) {
          const earliest = await this.admin.listOffsets(special.filter((c) => c.offset === -2), 'earliest')
          const latest = await this.admin.listOffsets(special.filter((c) => c.offset === -1), 'latest')
          const resolved = [...earliest, ...latest]
          await this.admin.setGroupOffsets(groupId, resolved)
          for (const c of committed) {
            const r = resolved.find((o) => o.topic === c.topic && o.partition === c.partition)
            if (r !== undefined) c.offset = r.offset
          }
        }
      }
      const topics = options.topics ?? [...new Set(committed.map((c) => c.topic))]
      return topics.map((topic) => ({
        topic,
        partitions: committed.filter((c) => c.topic === topic).sort((a, b) => a.partition - b.partition)
          .map((c) => ({ partition: c.partition, offset: String(c.offset), metadata: c.metadata === undefined || c.metadata === '' ? null : c.metadata })),
      }))
    })
  }

  /** Per partition: the low (log start) and high (log end) offsets; `offset` is the high one. */
  fetchTopicOffsets(topic: string): Promise<(PartitionOffset & { high: string; low: string })[]> {
    return kafkaJsErrors(async () => {
      const tps = (await this.partitionsOf(topic)).map((partition) => ({ topic, partition }))
      const [low, high] = await Promise.all([this.admin.listOffsets(tps, 'earliest'), this.admin.listOffsets(tps, 'latest')])
      return tps.map(({ partition }) => {
        const h = String(high.find((o) => o.partition === partition)!.offset)
        return { partition, offset: h, high: h, low: String(low.find((o) => o.partition === partition)!.offset) }
      })
    })
  }

  /** Per partition: the first offset with a timestamp >= `timestamp` (the end offset when none). */
  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<PartitionOffset[]> {
    return kafkaJsErrors(async () => {
      const tps = (await this.partitionsOf(topic)).map((partition) => ({ topic, partition }))
      const at = await this.admin.listOffsets(tps, timestamp ?? 'latest')
      const ends = await this.admin.listOffsets(tps, 'latest')
      return tps.map(({ partition }) => {
        const o = at.find((x) => x.partition === partition)!.offset
        return { partition, offset: String(o >= 0 ? o : ends.find((x) => x.partition === partition)!.offset) }
      })
    })
  }

  describeCluster(): Promise<{ brokers: { nodeId: number; host: string; port: number }[]; controller: number | null; clusterId: string }> {
    return kafkaJsErrors(async () => {
      const c = await this.admin.describeCluster()
      return {
        brokers: c.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
        controller: c.controllerId < 0 ? null : c.controllerId, clusterId: c.clusterId ?? '',
      }
    })
  }

  /** Commits offsets for a group that has no running members. */
  setOffsets(options: { groupId: string; topic: string; partitions: PartitionOffset[] }): Promise<void> {
    return kafkaJsErrors(async () => {
      const { groupId, topic } = options
      const d = await this.admin.describeGroup(groupId).catch((err: unknown) => {
        if (err instanceof KafkaError && err.code === GROUP_ID_NOT_FOUND) return { members: [], state: 'Dead' }
        throw err
      })
      if (d.members.length > 0) throw new KafkaJSNonRetriableError(`The consumer group must have no running instances, current state: ${d.state}`)
      await this.admin.setGroupOffsets(groupId, options.partitions.map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) })))
    })
  }

  /** Every partition of the topic to -2 (earliest) or -1 (latest, the default). */
  resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    return kafkaJsErrors(async () => {
      const offset = options.earliest === true ? '-2' : '-1'
      const partitions = (await this.partitionsOf(options.topic)).map((partition) => ({ partition, offset }))
      await this.setOffsets({ groupId: options.groupId, topic: options.topic, partitions })
    })
  }

  describeConfigs(options: { resources: { type: number; name: string; configNames?: string[] }[]; includeSynonyms: boolean }): Promise<DescribeConfigResponse> {
    return kafkaJsErrors(async () => {
      const resources = await Promise.all(options.resources.map(async (r) => {
        const entries = await this.admin.describeConfigs(resourceType(r.type), r.name, r.configNames === undefined || r.configNames.length === 0 ? undefined : r.configNames)
        return {
          errorCode: 0, errorMessage: '', resourceName: r.name, resourceType: r.type,
          configEntries: entries.map((e) => ({
            configName: e.name, configValue: e.value ?? '', isDefault: e.isDefault, configSource: e.source, isSensitive: e.isSensitive, readOnly: e.readOnly, configSynonyms: [],
          })),
        }
      }))
      return { resources, throttleTime: 0 }
    })
  }

  alterConfigs(options: { validateOnly: boolean; resources: { type: number; name: string; configEntries: { name: string; value: string }[] }[] }): Promise<{ resources: { errorCode: number; errorMessage: string | null; resourceName: string; resourceType: number }[]; throttleTime: number }> {
    return kafkaJsErrors(async () => {
      for (const r of options.resources) {
        await this.admin.alterConfigs(resourceType(r.type), r.name, r.configEntries.map((e) => ({ name: e.name, op: 'set', value: e.value })), { validateOnly: options.validateOnly })
      }
      return { resources: options.resources.map((r) => ({ errorCode: 0, errorMessage: null, resourceName: r.name, resourceType: r.type })), throttleTime: 0 }
    })
  }

  listGroups(): Promise<{ groups: { groupId: string; protocolType: string }[] }> {
    return kafkaJsErrors(async () => ({ groups: (await this.admin.listGroups()).map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) }))
  }

  describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    return kafkaJsErrors(async () => ({
      groups: await Promise.all(groupIds.map(async (id) => {
        try {
          return groupDescription(await this.admin.describeGroup(id))
        } catch (err) {
          // KafkaJS describes a group the coordinator does not know as Dead.
          if (err instanceof KafkaError && err.code === GROUP_ID_NOT_FOUND) return { groupId: id, members: [], protocol: '', protocolType: '', state: 'Dead' }
          throw err
        }
      })),
    }))
  }

  /** One result per group; a KafkaJSDeleteGroupsError lists the failed ones. */
  deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode?: number; error?: KafkaJSProtocolError }[]> {
    return kafkaJsErrors(async () => {
      const results: { groupId: string; errorCode: number; error?: KafkaJSProtocolError }[] = []
      for (const groupId of groupIds) {
        try {
          await this.admin.deleteGroups([groupId])
          results.push({ groupId, errorCode: 0 })
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err
          results.push({ groupId, errorCode: err.code, error: new KafkaJSProtocolError(err) })
        }
      }
      const failed = results.filter((r) => r.errorCode !== 0)
      if (failed.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', failed.map((f) => ({ groupId: f.groupId, errorCode: f.errorCode, error: f.error! })))
      return results
    })
  }

  /** Deletes records before each offset ('-1': the high watermark). */
  createAcls({ acl }: { acl: AclEntry[] }): Promise<true> {
    return kafkaJsErrors(() => createAcls(this.admin, acl))
  }

  describeAcls(filter: AclFilterEntry): Promise<{ resources: DescribeAclResource[] }> {
    return kafkaJsErrors(() => describeAcls(this.admin, filter))
  }

  deleteAcls({ filters }: { filters: AclFilterEntry[] }): ReturnType<typeof deleteAcls> {
    return kafkaJsErrors(() => deleteAcls(this.admin, filters))
  }

  deleteTopicRecords(options: { topic: string; partitions: PartitionOffset[] }): Promise<void> {
    return kafkaJsErrors(async () => {
      const { topic } = options
      const latest = await this.admin.listOffsets(options.partitions.map((p) => ({ topic, partition: p.partition })), 'latest')
      await this.admin.deleteRecords(options.partitions.map((p) => ({
        topic, partition: p.partition, offset: p.offset === '-1' ? latest.find((l) => l.partition === p.partition)!.offset : Number(p.offset),
      })))
    })
  }

  /** Moves replicas; every failed partition is one KafkaJSAlterPartitionReassignmentsError in a KafkaJSAggregateError, as KafkaJS throws. */
  alterPartitionReassignments({ topics, timeout }: { topics: PartitionReassignment[]; timeout?: number }): Promise<void> {
    return kafkaJsErrors(async () => {
      checkTopicList(topics)
      for (const { topic, partitionAssignment } of topics) {
        if (!Array.isArray(partitionAssignment)) throw new KafkaJSNonRetriableError(`Invalid partitions array: ${String(partitionAssignment)} for topic: ${topic}`)
        for (const { partition, replicas } of partitionAssignment) {
          if (typeof partition !== 'number' || partition < 0) throw new KafkaJSNonRetriableError(`Invalid partitions index: ${String(partition)} for topic: ${topic}`)
          if (!Array.isArray(replicas) || replicas.some((r) => typeof r !== 'number' || r < 0)) {
            throw new KafkaJSNonRetriableError(`Invalid replica assignment: ${String(replicas)} for topic: ${topic} on partition: ${partition}. Replicas must be a non negative number`)
          }
        }
      }
      const moves = topics.flatMap(({ topic, partitionAssignment }) => partitionAssignment.map(({ partition, replicas }) => ({ topic, partition, replicas })))
      let results
      try {
        results = await this.admin.reassignPartitions(moves, { timeoutMs: timeout ?? 5000 })
      } catch (err) {
        throw err instanceof KafkaError ? new KafkaJSAlterPartitionReassignmentsError(err) : err
      }
      const failed = results.filter((r) => r.error !== null)
      if (failed.length > 0) {
        throw new KafkaJSAggregateError('Errors altering partition reassignments',
          failed.map((f) => new KafkaJSAlterPartitionReassignmentsError(f.error!, f.topic, f.partition)))
      }
    })
  }

  /**
   * Reassignments under way. KafkaJS answers `{ topics: [{ name, partitions: [{ partition, replicas,
   * addingReplicas, removingReplicas }] }] }` (its type declarations say topic / partitionIndex): both
   * spellings are given, so code written against either works.
   */
  listPartitionReassignments({ topics, timeout }: { topics?: { topic: string; partitions: number[] }[] | null; timeout?: number } = {}): Promise<{ topics: OngoingTopicReassignment[] }> {
    return kafkaJsErrors(async () => {
      if (topics) {
        checkTopicList(topics)
        for (const { topic, partitions } of topics) {
          if (!Array.isArray(partitions)) throw new KafkaJSNonRetriableError(`Invalid partition array: ${String(partitions)} for topic: ${topic}`)
          if (partitions.some((p) => typeof p !== 'number' || p < 0)) {
            throw new KafkaJSNonRetriableError(`Invalid partition array: ${String(partitions)} for topic: ${topic}. The partition indices have to be a valid number greater than 0.`)
          }
        }
      }
      const ongoing = await this.admin.listPartitionReassignments(topics ? topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))) : undefined,
        { timeoutMs: timeout ?? 5000 })
      const out = new Map<string, OngoingTopicReassignment>()
      for (const r of ongoing) {
        let t = out.get(r.topic)
        if (t === undefined) out.set(r.topic, (t = { name: r.topic, topic: r.topic, partitions: [] }))
        t.partitions.push({ partition: r.partition, partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.addingReplicas, removingReplicas: r.removingReplicas })
      }
      return { topics: [...out.values()] }
    })
  }

  on(eventName: (typeof ADMIN_EVENTS)[keyof typeof ADMIN_EVENTS], listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener {
    return this.instrumentation.on(eventName, listener)
  }

  logger(): Logger {
    return this.log
  }
}
