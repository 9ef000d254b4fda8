// The controller turns topic administration into metadata-store transactions: it assigns replicas
// (single node: this broker; spread over the registered brokers when there are several), writes the
// topic key and its partition keys in one compare-and-swap transaction, and waits until the
// loader has published the resulting image (so the partitions exist here when it returns). It does
// no validation of names or configs (the topic service does) and holds no state of its own: the
// store is the truth, and a lost compare-and-swap means another writer won.
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { MetadataLoader } from './metadata-loader.ts'
import type { TopicImage } from './metadata-image.ts'
import { BROKERS_PREFIX, CLUSTER_ID_KEY, featureKey, partitionKey, topicKey, topicPartitionsPrefix } from './metadata-records.ts'
import type { PartitionRecord, TopicRecord } from './metadata-records.ts'
import type { Compare, MetadataStore, Op } from './store/metadata-store.ts'
import type { PartitionChange } from './leader-election.ts'
import { newTopicId } from './topic-id.ts'
import { assignReplicas } from './replica-assignment.ts'

export interface NewTopic {
  readonly name: string
  readonly partitions: number
  readonly replicationFactor?: number
  /** Replicas per partition (index order); overrides the computed assignment. */
  readonly assignments?: readonly (readonly number[])[]
  readonly configs: Readonly<Record<string, string>>
  readonly internal: boolean
}

/** The write lost a compare-and-swap: the topic changed (or appeared, or went) meanwhile. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConflictError'
  }
}

export class Controller {
  constructor(
    private readonly store: MetadataStore,
    private readonly loader: MetadataLoader,
    private readonly nodeId: number,
    private readonly log: Logger,
    /** Picks where a topic's leaders start (Kafka: random). */
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Waits until this broker's image holds every broker registration the store holds now. The image
   * follows the store through a watch, so a broker that registered a moment ago may not be in it yet;
   * a request refused for "too few brokers" checks again after this (Kafka's controller is the one
   * that registers brokers, so it never lags behind itself).
   */
  async catchUpBrokers(): Promise<void> {
    const r = await this.store.range(BROKERS_PREFIX)
    await this.loader.waitFor(r.revision)
  }

  /** Gives a fresh store a cluster id (a no-op when it has one). */
  async ensureClusterId(): Promise<void> {
    await this.store.txn({
      compare: [{ key: CLUSTER_ID_KEY, target: 'version', equals: 0 }],
      success: [{ type: 'put', key: CLUSTER_ID_KEY, value: randomBytes(16).toString('base64url') }],
    })
  }

  /** Partition puts per transaction (the store's limit, less one for the topic key). */
  private get chunk(): number {
    return this.store.maxPutsPerTxn ? Math.max(1, this.store.maxPutsPerTxn - 1) : Number.MAX_SAFE_INTEGER
  }

  /** Spread over the registered brokers (rack-aware); a single node that registers nothing gets all. */
  private assign(partitions: number, from: number, rf: number): number[][] {
    const brokers = [...this.loader.image.brokers.values()].map((b) => ({ id: b.id, rack: b.rack }))
    if (brokers.length === 0) brokers.push({ id: this.nodeId, rack: null })
    return assignReplicas(brokers, partitions, Math.min(rf, brokers.length), from, this.random())
  }

  private partitionOps(topicId: string, from: number, assignments: readonly (readonly number[])[]): Op[] {
    return assignments.map((replicas, i) => {
      const state: PartitionRecord = { replicas, isr: replicas, leader: replicas[0] ?? -1, leaderEpoch: 0, partitionEpoch: 0 }
      return { type: 'put', key: partitionKey(topicId, from + i), value: JSON.stringify(state) }
    })
  }

  /**
   * Writes a new topic; resolves with its image once published here. A topic with more
   * partitions than one transaction takes (the store's maxPutsPerTxn; etcd's) writes its
   * partition states first, in chunks, under its new id (brokers hold them unseen), and the topic
   * key last: it appears whole or not at all. A lost race deletes the chunks again.
   */
  async createTopic(t: NewTopic): Promise<TopicImage> {
    const topicId = newTopicId()
    const record: TopicRecord = { topicId, configs: { ...t.configs }, internal: t.internal }
    const assignments = t.assignments ?? this.assign(t.partitions, 0, t.replicationFactor ?? 1)
    const ops = this.partitionOps(topicId, 0, assignments)
    const absent = { key: topicKey(t.name), target: 'version' as const, equals: 0 }
    const chunk = this.chunk
    const lastChunk = ops.length - ((ops.length - 1) % chunk) - 1
    try {
      for (let i = 0; i < lastChunk; i += chunk) {
        const r = await this.store.txn({ compare: [absent], success: ops.slice(i, i + chunk) })
        if (!r.succeeded) throw new ConflictError(`topic ${t.name} already exists`)
      }
      const r = await this.store.txn({
        compare: [absent],
        success: [{ type: 'put', key: topicKey(t.name), value: JSON.stringify(record) }, ...ops.slice(Math.max(0, lastChunk))],
      })
      if (!r.succeeded) throw new ConflictError(`topic ${t.name} already exists`)
      return await this.published(r.revision, t.name)
    } catch (err) {
      if (lastChunk > 0 && err instanceof ConflictError) {
        await this.store.txn({ success: [{ type: 'deletePrefix', prefix: topicPartitionsPrefix(topicId) }] }).catch(() => {})
      }
      throw err
    }
  }

  /** Deletes a topic and its partition states; resolves with what was deleted (undefined: absent). */
  async deleteTopic(name: string): Promise<TopicImage | undefined> {
    const topic = this.loader.image.topic(name)
    if (!topic) return undefined
    const r = await this.store.txn({
      compare: [{ key: topicKey(name), target: 'value', equals: await this.rawTopic(name) }],
      success: [{ type: 'delete', key: topicKey(name) }, { type: 'deletePrefix', prefix: topicPartitionsPrefix(topic.topicId) }],
    })
    if (!r.succeeded) throw new ConflictError(`topic ${name} changed while being deleted`)
    await this.loader.waitFor(r.revision)
    return topic
  }

  /** Grows a topic to `count` partitions (never shrinks). */
  async addPartitions(name: string, count: number, assignments?: readonly (readonly number[])[]): Promise<TopicImage> {
    const topic = this.loader.image.topic(name)
    if (!topic) throw new ConflictError(`unknown topic ${name}`)
    if (count < topic.partitions) throw new Error(`cannot shrink ${name} from ${topic.partitions} to ${count}`)
    const rf = topic.states[0]?.replicas.length ?? 1
    const added = assignments ?? this.assign(count - topic.partitions, topic.partitions, rf)
    const raw = await this.rawTopic(name)
    const ops = this.partitionOps(topic.topicId, topic.partitions, added)
    // In index order, chunk by chunk: brokers see the topic grow without gaps.
    let revision = 0
    for (let i = 0; i < ops.length; i += this.chunk) {
      const r = await this.store.txn({
        compare: [
          { key: topicKey(name), target: 'value', equals: raw },
          { key: partitionKey(topic.topicId, topic.partitions + i), target: 'version', equals: 0 },
        ],
        success: ops.slice(i, i + this.chunk),
      })
      if (!r.succeeded) {
        throw new ConflictError(`topic ${name} changed while adding partitions${i > 0 ? ` (${i} of ${ops.length} were added)` : ''}`)
      }
      revision = r.revision
    }
    return this.published(revision, name)
  }

  /** Replaces a topic's config overrides. */
  async setConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicImage> {
    const topic = this.loader.image.topic(name)
    if (!topic) throw new ConflictError(`unknown topic ${name}`)
    const record: TopicRecord = { topicId: topic.topicId, configs: { ...configs }, internal: topic.internal }
    const r = await this.store.txn({
      compare: [{ key: topicKey(name), target: 'value', equals: await this.rawTopic(name) }],
      success: [{ type: 'put', key: topicKey(name), value: JSON.stringify(record) }],
    })
    if (!r.succeeded) throw new ConflictError(`topic ${name} changed while changing its configs`)
    return this.published(r.revision, name)
  }

  /**
   * The topic as this broker's image has it once the image has caught up with the store (a
   * creation lost to another broker's: the winner's topic), or undefined when it is not there.
   */
  async caughtUpTopic(name: string): Promise<TopicImage | undefined> {
    const { revision } = await this.store.range(topicKey(name))
    await this.loader.waitFor(revision)
    return this.loader.image.topic(name)
  }

  /**
   * Writes leader elections (ElectLeaders, the preferred-leader rebalance) in batches of at most
   * `batch` partitions, each guarded by every partition's mod revision (and by `guard`, the
   * controller epoch, when given), and waits until the image here shows them. Resolves with the
   * changes written: a batch that lost its compare-and-swap (a partition changed meanwhile) is
   * left out for the caller to recompute.
   */
  async writeElections(changes: readonly PartitionChange[], batch: number, guard?: Compare): Promise<PartitionChange[]> {
    const size = Math.max(1, Math.min(batch, this.store.maxPutsPerTxn ?? batch))
    const written: PartitionChange[] = []
    let revision = 0
    for (let i = 0; i < changes.length; i += size) {
      const part = changes.slice(i, i + size)
      const keyOf = (c: PartitionChange) => partitionKey(c.prev.topicId, c.prev.partition)
      const r = await this.store.txn({
        compare: [...(guard ? [guard] : []), ...part.map((c) => ({ key: keyOf(c), target: 'modRevision' as const, equals: c.prev.modRevision ?? 0 }))],
        success: part.map((c) => ({ type: 'put' as const, key: keyOf(c), value: JSON.stringify(c.next) })),
      })
      revision = Math.max(revision, r.revision)
      if (r.succeeded) written.push(...part)
    }
    if (revision > 0) await this.loader.waitFor(revision)
    return written
  }

  /**
   * Feature levels an operator set (UpdateFeatures), written pinned so the controller's finalizer
   * leaves them; waits until the image here shows them.
   */
  async pinFeatureLevels(levels: ReadonlyMap<string, number>): Promise<void> {
    const r = await this.store.txn({
      success: [...levels].map(([name, level]) => ({ type: 'put' as const, key: featureKey(name), value: JSON.stringify({ level, pinned: true }) })),
    })
    await this.loader.waitFor(r.revision)
    this.log.info({ levels: Object.fromEntries(levels) }, 'feature levels set by UpdateFeatures')
  }

  private async rawTopic(name: string): Promise<string> {
    const kv = (await this.store.range(topicKey(name))).kvs.find((k) => k.key === topicKey(name))
    if (!kv) throw new ConflictError(`unknown topic ${name}`)
    return kv.value
  }

  private async published(revision: number, name: string): Promise<TopicImage> {
    await this.loader.waitFor(revision)
    const t = this.loader.image.topic(name)
    if (!t) throw new ConflictError(`topic ${name} went away while being written`)
    this.log.debug({ topic: name, revision }, 'metadata written')
    return t
  }
}
