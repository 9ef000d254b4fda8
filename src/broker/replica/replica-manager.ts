// The partitions this broker hosts, on top of storage's LogManager (opened by the broker, which
// also reconciles the metadata store with the logs found on disk). The metadata store decides which
// topics and partitions exist; at start-up every partition it lists is opened (created when
// missing). Topic services call createPartitions / deletePartitions / updateConfig after changing
// the metadata store; handlers look partitions up with `partition(topic, index)`.
import type { Logger } from 'pino'
import type { LogManager } from '../../storage/log-manager.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { effectiveTopicConfig, parseTopicOverrides } from '../config/index.ts'
import type { MetadataStore } from '../cluster/metadata-store.ts'
import { Partition } from './partition.ts'
import type { PartitionSettings } from './partition.ts'
import { Purgatory } from './purgatory.ts'

export interface ReplicaManagerOptions {
  readonly config: BrokerConfig
  readonly metadata: MetadataStore
  /** Open LogManager; the broker closes it after the replica manager. */
  readonly logs: LogManager
  readonly log: Logger
}

export class ReplicaManager {
  readonly logs: LogManager
  /** Delayed fetches waiting for data (woken by appends that move a high watermark). */
  readonly fetchPurgatory = new Purgatory()
  private readonly byTopic = new Map<string, Partition[]>()
  private readonly config: BrokerConfig
  private readonly nodeId: number
  private readonly log: Logger
  private closed = false

  private constructor(logs: LogManager, opts: ReplicaManagerOptions) {
    this.logs = logs
    this.config = opts.config
    this.nodeId = opts.config.nodeId
    this.log = opts.log
  }

  /** Opens the partitions of every topic in the metadata store. */
  static async open(opts: ReplicaManagerOptions): Promise<ReplicaManager> {
    const rm = new ReplicaManager(opts.logs, opts)
    for (const t of opts.metadata.topics()) await rm.createPartitions(t.name, t.topicId, 0, t.partitions, t.configs)
    return rm
  }

  /** The hosted partition, or undefined (UNKNOWN_TOPIC_OR_PARTITION). */
  partition(topic: string, index: number): Partition | undefined {
    return this.byTopic.get(topic)?.[index]
  }

  /** All hosted partitions of a topic (index order). */
  partitions(topic: string): readonly Partition[] {
    return this.byTopic.get(topic) ?? []
  }

  /** Opens (creating on disk) partitions [fromIndex, toIndex) of a topic with its config overrides. */
  async createPartitions(topic: string, topicId: string, fromIndex: number, toIndex: number,
    rawConfig: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.closed) throw new Error('replica manager is closed')
    const overrides = parseLogOverrides(rawConfig)
    const settings = this.settingsFor(rawConfig)
    let list = this.byTopic.get(topic)
    if (!list) this.byTopic.set(topic, (list = []))
    for (let i = fromIndex; i < toIndex; i++) {
      const existing = list[i]
      if (existing) {
        existing.topicId = topicId
        continue
      }
      const log = await this.logs.getOrCreate(topic, i, overrides)
      // A concurrent call may have opened it while we awaited.
      list[i] ??= new Partition(topic, i, topicId, log, this.nodeId, settings, this.onData)
    }
  }

  /** Deletes every partition of a topic (logs and directories); waiting fetches are answered first. */
  async deletePartitions(topic: string): Promise<void> {
    const list = this.byTopic.get(topic)
    if (!list) return
    this.byTopic.delete(topic)
    for (const p of list) if (p) this.fetchPurgatory.completeAll(p)
    for (const p of list) if (p) await this.logs.delete(topic, p.index)
    this.log.info({ topic, partitions: list.length }, 'deleted partition logs')
  }

  /** Applies a topic's new config overrides (the full set, Kafka names) to its open partitions. */
  updateConfig(topic: string, rawConfig: Readonly<Record<string, string>>): void {
    // The LogManager layers these over its own view of the topic's stored overrides; pass the
    // complete effective set so removed overrides fall back to the broker defaults.
    const full = { ...Object.fromEntries(effectiveTopicConfig(this.config, parseTopicOverrides(rawConfig))) }
    this.logs.updateConfig(topic, full)
    const settings = this.settingsFor(rawConfig)
    for (const p of this.partitions(topic)) if (p) p.settings = settings
  }

  /** Answers waiting fetches; the broker closes the LogManager afterwards. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.fetchPurgatory.close()
  }

  private settingsFor(rawConfig: Readonly<Record<string, string>>): PartitionSettings {
    const eff = effectiveTopicConfig(this.config, parseTopicOverrides(rawConfig))
    return {
      minInsyncReplicas: Number(eff.get('min.insync.replicas') ?? 1),
      downConversion: eff.get('message.downconversion.enable') !== false,
      compacted: ((eff.get('cleanup.policy') ?? []) as readonly string[]).includes('compact'),
    }
  }

  private onData = (partition: Partition, newBytes: number): void => {
    this.fetchPurgatory.notify(partition, newBytes)
  }
}

/** Topic overrides (strings as stored) validated into typed values by the topic config table. */
function parseLogOverrides(raw: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.fromEntries(parseTopicOverrides(raw))
}
