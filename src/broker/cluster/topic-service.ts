// Topic administration for the single node: create (validated like Kafka: name, partitions,
// replication factor, assignments, configs; validate-only), delete (by name or id), add
// partitions, change topic configs, auto-create, and on-demand internal topics for the
// coordinators. It validates, then has the controller write the change to the metadata store and
// waits for the resulting image: partition logs follow the image (ReplicaManager.applyDelta), never
// a call from here. Operations on one topic name run one at a time, so a delete and a re-create of
// the same name cannot interleave.
import type { Logger } from 'pino'
import { ErrorCode } from '../../protocol/errors.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { TOPIC_DEFS } from '../config/config-table.ts'
import { parseTopicOverrides } from '../config/topic-config.ts'
import type { MetadataView, TopicImage, TopicMetadata } from './metadata-image.ts'
import { ConflictError } from './controller.ts'
import type { Controller } from './controller.ts'
import { hasCollisionChars, isInternalTopic, topicNameProblem, unifyCollisionChars } from './topic-names.ts'
import { internalTopicSpec } from './topic-internal.ts'
import { topicError } from './topic-errors.ts'

/** Replicas per partition of a topic (its first partition's). */
const replicationOf = (t: TopicImage): number => t.states[0]?.replicas.length ?? 1

/** More partitions than this in one topic is refused (each partition is a directory of files). */
export const MAX_PARTITIONS_PER_TOPIC = 10_000

export interface TopicAssignment {
  readonly partitionIndex: number
  readonly brokerIds: readonly number[]
}

export interface CreateTopicRequest {
  readonly name: string
  /** -1: num.partitions (or the assignments' count). */
  readonly numPartitions: number
  /** -1: default.replication.factor (or the assignments' replica count). */
  readonly replicationFactor: number
  readonly assignments?: readonly TopicAssignment[]
  /** Topic config overrides by Kafka name; a null value is refused like Kafka does. */
  readonly configs?: Readonly<Record<string, string | null>>
}

/** Options of the topic mutations the Kafka APIs make. */
export interface MutationOptions {
  /** Check only; change nothing. */
  readonly validateOnly?: boolean
  /**
   * Told the number of partitions about to be created once the request is found valid (not for
   * validateOnly); throws to refuse it — the controller mutation quota.
   */
  readonly admit?: (partitions: number) => void
}

/** A create request that passed validation: what would be (or was) created. */
export interface ValidatedTopic {
  readonly name: string
  readonly partitions: number
  readonly replicationFactor: number
  readonly configs: Readonly<Record<string, string>>
  readonly internal: boolean
  /** Replicas per partition, when the request gave them. */
  readonly assignments?: readonly (readonly number[])[]
}

export interface TopicServiceOptions {
  readonly metadata: MetadataView
  readonly controller: Controller
  readonly config: BrokerConfig
  readonly nodeId: number
  readonly log: Logger
  /** Brokers share a metadata store (etcd.connect, startCluster): a capped internal factor is worth a warning. */
  readonly clusterMode?: boolean
}

export class TopicService {
  readonly metadata: MetadataView
  readonly config: BrokerConfig
  readonly nodeId: number
  private readonly log: Logger
  private readonly controller: Controller
  private readonly clusterMode: boolean
  /** Tail of the operation chain per topic name. */
  private readonly chains = new Map<string, Promise<unknown>>()
  /** Auto-creations in progress, so concurrent Metadata requests share one. */
  private readonly pendingAuto = new Map<string, Promise<TopicMetadata>>()
  /** Names whose deletion has begun: free for a new topic, which queues behind the deletion. */
  private readonly deleting = new Set<string>()
  /** Told after each deletion (the group coordinator drops the topic's committed offsets). */
  private readonly deletedListeners: ((topic: TopicMetadata) => Promise<void>)[] = []

  constructor(opts: TopicServiceOptions) {
    this.metadata = opts.metadata
    this.config = opts.config
    this.nodeId = opts.nodeId
    this.log = opts.log
    this.controller = opts.controller
    this.clusterMode = opts.clusterMode ?? false
  }

  topic(name: string): TopicMetadata | undefined {
    return this.metadata.topic(name)
  }

  topicById(id: string): TopicMetadata | undefined {
    return this.metadata.topicById(id)
  }

  private serialize<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(name) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => {})
    this.chains.set(name, tail)
    void tail.then(() => { if (this.chains.get(name) === tail) this.chains.delete(name) })
    return next
  }

  /** Checks a name for creation: legal, free, no '.'/'_' collision. Throws KafkaProtocolError. */
  checkNewName(name: string): void {
    const problem = topicNameProblem(name)
    if (problem) throw topicError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem)
    if (this.metadata.topic(name) && !this.deleting.has(name)) throw topicError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`)
    if (hasCollisionChars(name)) {
      const unified = unifyCollisionChars(name)
      for (const t of this.metadata.topics()) {
        if (hasCollisionChars(t.name) && !this.deleting.has(t.name) && unifyCollisionChars(t.name) === unified) {
          throw topicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${t.name}`)
        }
      }
    }
  }

  private replicationFactorFor(requested: number): number {
    const rf = requested === -1 ? this.config.int('default.replication.factor') : requested
    if (rf <= 0) throw topicError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.')
    const brokers = this.registeredBrokers().length
    if (rf > brokers) {
      throw topicError(ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers} broker(s) are registered.`)
    }
    return rf
  }

  /**
   * Runs a check that depends on the registered brokers; when it refuses for that reason, this
   * image may only lag behind a registration (brokers started together): check once more after
   * catching up with the store, so the refusal is about the cluster, not about timing.
   */
  private async withCurrentBrokers<T>(check: () => T): Promise<T> {
    try {
      return check()
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code !== ErrorCode.INVALID_REPLICATION_FACTOR && code !== ErrorCode.INVALID_REPLICA_ASSIGNMENT) throw err
      await this.controller.catchUpBrokers()
      return check()
    }
  }

  /** Registered brokers (cluster mode), or this node alone (single node: nothing registers). */
  private registeredBrokers(): number[] {
    const ids = [...this.metadata.image.brokers.keys()]
    return ids.length > 0 ? ids : [this.nodeId]
  }

  private checkPartitionCount(n: number): void {
    if (n <= 0) throw topicError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.')
    if (n > MAX_PARTITIONS_PER_TOPIC) {
      throw topicError(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${n} exceeds this broker's limit of ${MAX_PARTITIONS_PER_TOPIC} per topic.`)
    }
  }

  /**
   * max.broker.partitions: `added` more replicas must fit. Counted across the cluster, against the
   * limit times the registered brokers (on one node: the partitions it hosts). Internal topics are
   * exempt (the coordinators cannot work without them) but count towards the total.
   */
  private checkBrokerPartitions(added: number, internal: boolean): void {
    if (internal) return
    const brokers = this.registeredBrokers().length
    const max = this.config.int('max.broker.partitions') * brokers
    // Creations still on their way to the image count too.
    let hosted = this.reservedPartitions
    for (const t of this.metadata.topics()) for (const p of t.states) hosted += p.replicas.length
    if (hosted + added > max) {
      const message = `The cluster hosts ${hosted} partition replicas; ${added} more would exceed max.broker.partitions ` +
        `(${this.config.int('max.broker.partitions')}) on ${brokers} broker(s).`
      // One warning when the limit starts refusing, not one per refused request (a flood of names).
      if (!this.partitionLimitWarned) this.log.warn({ hosted, added, max }, `refusing new partitions: ${message}`)
      this.partitionLimitWarned = true
      throw topicError(ErrorCode.POLICY_VIOLATION, message)
    }
    this.partitionLimitWarned = false
  }

  private partitionLimitWarned = false
  /** Replicas of creations written to the controller but not yet in the image. */
  private reservedPartitions = 0

  /** Runs `write` with `n` replicas counted against max.broker.partitions until it settles. */
  private async reserving<T>(n: number, write: () => Promise<T>): Promise<T> {
    this.reservedPartitions += n
    try {
      return await write()
    } finally {
      this.reservedPartitions -= n
    }
  }

  /** Each assigned replica list must name distinct registered brokers. */
  private checkReplicas(brokerIds: readonly number[], what: string): void {
    if (brokerIds.length === 0) throw topicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${what}: empty replica list`)
    if (new Set(brokerIds).size !== brokerIds.length) {
      throw topicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${what}: duplicate brokers in [${brokerIds.join(', ')}]`)
    }
    const registered = this.registeredBrokers()
    const unknown = brokerIds.filter((b) => !registered.includes(b))
    if (unknown.length > 0) {
      throw brokerIds.length > registered.length
        ? topicError(ErrorCode.INVALID_REPLICATION_FACTOR,
          `${what}: replication factor ${brokerIds.length} cannot be reached because only ${registered.length} broker(s) are registered`)
        : topicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${what}: broker ${unknown[0]} is not registered`)
    }
  }

  /** Validates override values against the topic config table; returns them trimmed as strings. */
  validateConfigs(configs: Readonly<Record<string, string | null>>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [key, value] of Object.entries(configs)) {
      if (value === null) throw topicError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${key}`)
      if (!TOPIC_DEFS.has(key)) throw topicError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${key}`)
      out[key] = value.trim()
    }
    parseTopicOverrides(out) // throws ConfigError (-> INVALID_CONFIG) naming the key and accepted values
    return out
  }

  /** Everything CreateTopics checks, without creating anything. Throws KafkaProtocolError / ConfigError. */
  validateCreate(req: CreateTopicRequest): ValidatedTopic {
    this.checkNewName(req.name)
    const internal = isInternalTopic(req.name)
    const assignments = req.assignments ?? []
    let partitions: number
    let replicationFactor: number
    if (assignments.length > 0) {
      if (req.numPartitions !== -1 || req.replicationFactor !== -1) {
        throw topicError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.')
      }
      const seen = new Set<number>()
      for (const a of assignments) {
        if (seen.has(a.partitionIndex)) throw topicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${a.partitionIndex} is assigned twice`)
        seen.add(a.partitionIndex)
        this.checkReplicas(a.brokerIds, `partition ${a.partitionIndex}`)
      }
      for (let i = 0; i < assignments.length; i++) {
        if (!seen.has(i)) throw topicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions must be numbered consecutively starting at 0')
      }
      partitions = assignments.length
      this.checkPartitionCount(partitions)
      replicationFactor = assignments[0].brokerIds.length
    } else {
      const spec = internal ? internalTopicSpec(req.name, this.config, this.registeredBrokers().length) : undefined
      if (req.numPartitions === -1) partitions = spec?.partitions ?? this.config.int('num.partitions')
      else if (req.numPartitions < -1 || req.numPartitions === 0) {
        throw topicError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.')
      } else partitions = req.numPartitions
      this.checkPartitionCount(partitions)
      if (req.replicationFactor < -1 || req.replicationFactor === 0) {
        throw topicError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.')
      }
      if (internal && req.replicationFactor === -1 && spec) {
        replicationFactor = spec.replicationFactor
        // A single node always caps (3 -> 1): no warning. A cluster's first broker alone does
        // too, and then creates the topic with RF 1 for good: that is worth saying, as Kafka does.
        if (spec.cappedFrom !== undefined && this.clusterMode) {
          this.log.warn({ topic: req.name, configured: spec.cappedFrom, brokers: this.registeredBrokers().length }, 'internal topic replication factor capped by the live broker count')
        }
      } else replicationFactor = this.replicationFactorFor(req.replicationFactor)
    }
    this.checkBrokerPartitions(partitions * replicationFactor, internal)
    const given = this.validateConfigs(req.configs ?? {})
    const configs = internal ? { ...internalTopicSpec(req.name, this.config, this.registeredBrokers().length)?.configs, ...given } : given
    const explicit = assignments.length > 0
      ? [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds)
      : undefined
    return { name: req.name, partitions, replicationFactor, configs, internal, ...(explicit ? { assignments: explicit } : {}) }
  }

  /** Creates a topic (or only validates it). Throws KafkaProtocolError / ConfigError with the reason. */
  async createTopic(req: CreateTopicRequest, opts: MutationOptions = {}): Promise<ValidatedTopic & { topic?: TopicMetadata }> {
    const valid = await this.withCurrentBrokers(() => this.validateCreate(req))
    if (opts.validateOnly) return valid
    opts.admit?.(valid.partitions)
    const topic = await this.serialize(req.name, () => this.doCreate(valid))
    return { ...valid, topic }
  }

  private async doCreate(valid: ValidatedTopic): Promise<TopicMetadata> {
    this.checkNewName(valid.name) // again: another create may have won while we queued
    this.checkBrokerPartitions(valid.partitions * valid.replicationFactor, valid.internal) // others may have taken the room
    // The broker's own topics (__consumer_offsets, ...) are named by Kafka: no warning for those.
    if (!valid.internal && hasCollisionChars(valid.name)) {
      this.log.warn({ topic: valid.name }, 'topic names with a period (.) or underscore (_) could collide in metric names')
    }
    let topic: TopicMetadata
    try {
      topic = await this.reserving(valid.partitions * valid.replicationFactor, () => this.controller.createTopic({
        name: valid.name, partitions: valid.partitions, replicationFactor: valid.replicationFactor,
        assignments: valid.assignments, configs: valid.configs, internal: valid.internal,
      }))
    } catch (err) {
      if (err instanceof ConflictError) throw topicError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${valid.name}' already exists.`)
      // Keep metadata and disk consistent: a topic whose logs could not be made does not exist.
      if (this.metadata.topic(valid.name)) await this.controller.deleteTopic(valid.name).catch(() => {})
      throw err
    }
    this.log.info({ topic: topic.name, topicId: topic.topicId, partitions: topic.partitions, configs: topic.configs }, 'topic created')
    return topic
  }

  /**
   * A topic a client named that does not exist (Metadata / Produce): created with the broker
   * defaults when auto.create.topics.enable allows it; internal topics get their own settings.
   * Returns undefined when auto-creation is off. Throws for invalid names and refused settings.
   */
  async autoCreate(name: string): Promise<TopicMetadata | undefined> {
    const existing = this.metadata.topic(name)
    if (existing) return existing
    if (!isInternalTopic(name) && !this.config.bool('auto.create.topics.enable')) return undefined
    return this.createShared(name)
  }

  /** The internal topic `name` (__consumer_offsets, __transaction_state), created on first use. */
  async ensureInternalTopic(name: string): Promise<TopicMetadata> {
    if (!isInternalTopic(name)) throw new Error(`${name} is not an internal topic`)
    return this.metadata.topic(name) ?? this.createShared(name)
  }

  private createShared(name: string): Promise<TopicMetadata> {
    let pending = this.pendingAuto.get(name)
    if (!pending) {
      pending = (async () => {
        const valid = this.validateCreate({ name, numPartitions: -1, replicationFactor: -1 })
        try {
          return await this.serialize(name, () => this.metadata.topic(name) ? Promise.resolve(this.metadata.topic(name)!) : this.doCreate(valid))
        } catch (err) {
          // Another broker created it first (both saw it missing): use theirs once the image has it.
          if ((err as { code?: unknown }).code !== ErrorCode.TOPIC_ALREADY_EXISTS) throw err
          const theirs = await this.controller.caughtUpTopic(name)
          if (!theirs) throw err
          return theirs
        }
      })().finally(() => this.pendingAuto.delete(name))
      this.pendingAuto.set(name, pending)
    }
    return pending
  }

  /** Deletes a topic by name (its logs too). Throws UNKNOWN_TOPIC_OR_PARTITION / TOPIC_DELETION_DISABLED. */
  deleteTopic(name: string): Promise<TopicMetadata> {
    if (!this.config.bool('delete.topic.enable')) {
      return Promise.reject(topicError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.'))
    }
    if (!this.metadata.topic(name)) {
      return Promise.reject(topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'))
    }
    return this.serialize(name, async () => {
      this.deleting.add(name)
      let topic: TopicMetadata | undefined
      try {
        topic = await this.controller.deleteTopic(name)
      } finally {
        this.deleting.delete(name)
      }
      if (!topic) throw topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
      this.log.info({ topic: topic.name, topicId: topic.topicId }, 'topic deleted')
      // Inside the name's chain: a re-create of the name cannot overtake the cleanup.
      for (const fn of this.deletedListeners) {
        await fn(topic).catch((err: unknown) => this.log.warn({ err, topic: topic.name }, 'topic deletion listener failed'))
      }
      return topic
    })
  }

  /** Calls `fn` after every topic deletion (awaited before the deletion answers; failures are logged). */
  onTopicDeleted(fn: (topic: TopicMetadata) => Promise<void>): void {
    this.deletedListeners.push(fn)
  }

  /** Deletes a topic by id. Throws UNKNOWN_TOPIC_ID when no topic has it. */
  deleteTopicById(id: string): Promise<TopicMetadata> {
    const topic = this.metadata.topicById(id)
    if (!topic) return Promise.reject(topicError(ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.'))
    return this.deleteTopic(topic.name)
  }

  /**
   * Grows a topic to `count` partitions (CreatePartitions). `assignments`, when given, lists the
   * replicas of each new partition. Throws KafkaProtocolError with Kafka's codes.
   */
  async createPartitions(name: string, count: number, assignments: readonly (readonly number[])[] | null,
    opts: MutationOptions = {}): Promise<TopicMetadata> {
    const topic = this.metadata.topic(name)
    if (!topic) throw topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
    const check = (t: TopicImage): void => {
      if (count < t.partitions) {
        throw topicError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${t.partitions} partitions, which is higher than the requested ${count}.`)
      }
      if (count === t.partitions) throw topicError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${t.partitions} partitions.`)
      this.checkPartitionCount(count)
      this.checkBrokerPartitions((count - t.partitions) * replicationOf(t), t.internal)
      if (assignments) {
        const added = count - t.partitions
        if (assignments.length !== added) {
          throw topicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Increasing the number of partitions by ${added} but ${assignments.length} assignments provided.`)
        }
        assignments.forEach((a, i) => this.checkReplicas(a, `partition ${t.partitions + i}`))
      }
    }
    await this.withCurrentBrokers(() => check(topic))
    if (opts.validateOnly) return topic
    opts.admit?.(count - topic.partitions)
    return this.serialize(name, async () => {
      const current = this.metadata.topic(name)
      if (!current) throw topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
      check(current)
      const next = await this.reserving((count - current.partitions) * replicationOf(current), () => this.controller.addPartitions(name, count, assignments ?? undefined))
      this.log.info({ topic: name, from: current.partitions, to: count }, 'partitions added')
      return next
    })
  }

  /**
   * Replaces a topic's config overrides (AlterConfigs / IncrementalAlterConfigs computed the new
   * set). Validates first; applies to live logs and persists unless validate-only.
   */
  async setTopicConfigs(name: string, overrides: Readonly<Record<string, string | null>>,
    opts: { validateOnly?: boolean } = {}): Promise<TopicMetadata> {
    const topic = this.metadata.topic(name)
    if (!topic) throw topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
    const valid = this.validateConfigs(overrides)
    if (opts.validateOnly) return topic
    return this.serialize(name, async () => {
      if (!this.metadata.topic(name)) throw topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.')
      const next = await this.controller.setConfigs(name, valid)
      this.log.info({ topic: name, configs: valid }, 'topic configs changed')
      return next
    })
  }
}
