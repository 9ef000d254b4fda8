// Single-node cluster metadata: the cluster id and every topic (name, topic id, partition count,
// config overrides). Kept in memory, mutated synchronously, and persisted as one JSON file that
// is rewritten atomically after each change; concurrent changes share one write. This is the
// source of truth for which topics exist — partition logs on disk follow it, not the reverse.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { writeFileAtomic } from './atomic-file.ts'
import { newTopicId } from './topic-id.ts'

export const METADATA_FILE = 'cluster-metadata.json'
const FORMAT_VERSION = 1

export interface TopicMetadata {
  readonly name: string
  /** 22-character base64url UUID, never zero. */
  readonly topicId: string
  readonly partitions: number
  /** Topic config overrides as given (validated by the caller against the topic config table). */
  readonly configs: Readonly<Record<string, string>>
  /** __consumer_offsets and __transaction_state. */
  readonly internal: boolean
}

interface FileShape {
  version: number
  clusterId: string
  nodeId: number
  topics: TopicMetadata[]
}

export class MetadataFormatError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: ${message}`)
    this.name = 'MetadataFormatError'
  }
}

function validTopic(t: unknown): t is TopicMetadata {
  const o = t as Record<string, unknown>
  return typeof o === 'object' && o !== null && typeof o.name === 'string' && typeof o.topicId === 'string' &&
    Number.isInteger(o.partitions) && (o.partitions as number) > 0 && typeof o.configs === 'object' && o.configs !== null &&
    typeof o.internal === 'boolean'
}

export class MetadataStore {
  readonly path: string
  readonly clusterId: string
  private readonly byName = new Map<string, TopicMetadata>()
  private readonly byId = new Map<string, TopicMetadata>()
  private readonly nodeId: number
  /** The write in progress, and whether another one must follow it. */
  private writing: Promise<void> | null = null
  private dirty = false
  private waiters: { resolve: () => void, reject: (err: unknown) => void }[] = []

  private constructor(path: string, clusterId: string, nodeId: number, topics: readonly TopicMetadata[]) {
    this.path = path
    this.clusterId = clusterId
    this.nodeId = nodeId
    for (const t of topics) this.index(t)
  }

  /** Loads the metadata file of `dataDir`, or creates a new cluster (with a fresh cluster id) there. */
  static async open(dataDir: string, nodeId: number): Promise<MetadataStore> {
    const path = join(dataDir, METADATA_FILE)
    let text: string | null = null
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (text === null) {
      const store = new MetadataStore(path, randomBytes(16).toString('base64url'), nodeId, [])
      await store.persist()
      return store
    }
    let parsed: FileShape
    try {
      parsed = JSON.parse(text) as FileShape
    } catch (err) {
      throw new MetadataFormatError(path, `not valid JSON (${(err as Error).message})`)
    }
    if (parsed?.version !== FORMAT_VERSION) throw new MetadataFormatError(path, `unsupported format version ${String(parsed?.version)}`)
    if (typeof parsed.clusterId !== 'string' || !Array.isArray(parsed.topics) || !parsed.topics.every(validTopic)) {
      throw new MetadataFormatError(path, 'malformed content')
    }
    return new MetadataStore(path, parsed.clusterId, nodeId, parsed.topics)
  }

  private index(t: TopicMetadata): void {
    this.byName.set(t.name, t)
    this.byId.set(t.topicId, t)
  }

  topics(): IterableIterator<TopicMetadata> {
    return this.byName.values()
  }

  topic(name: string): TopicMetadata | undefined {
    return this.byName.get(name)
  }

  topicById(id: string): TopicMetadata | undefined {
    return this.byId.get(id)
  }

  get topicCount(): number {
    return this.byName.size
  }

  /**
   * Adds a topic (synchronously visible) and resolves once it is on disk. The caller has checked
   * that the name is valid and free, and validated the configs.
   */
  createTopic(name: string, partitions: number, configs: Readonly<Record<string, string>> = {}, internal = false): Promise<TopicMetadata> {
    if (this.byName.has(name)) return Promise.reject(new Error(`topic ${name} already exists`))
    const topic: TopicMetadata = { name, topicId: newTopicId(), partitions, configs: { ...configs }, internal }
    this.index(topic)
    return this.persist().then(() => topic)
  }

  /** Removes a topic; resolves once the removal is on disk. */
  deleteTopic(name: string): Promise<TopicMetadata | undefined> {
    const topic = this.byName.get(name)
    if (!topic) return Promise.resolve(undefined)
    this.byName.delete(name)
    this.byId.delete(topic.topicId)
    return this.persist().then(() => topic)
  }

  /** Grows a topic's partition count (never shrinks). */
  setPartitions(name: string, partitions: number): Promise<TopicMetadata> {
    const topic = this.byName.get(name)
    if (!topic) return Promise.reject(new Error(`unknown topic ${name}`))
    if (partitions < topic.partitions) return Promise.reject(new Error(`cannot shrink ${name} from ${topic.partitions} to ${partitions}`))
    const next = { ...topic, partitions }
    this.index(next)
    return this.persist().then(() => next)
  }

  /** Replaces a topic's config overrides. */
  setConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicMetadata> {
    const topic = this.byName.get(name)
    if (!topic) return Promise.reject(new Error(`unknown topic ${name}`))
    const next = { ...topic, configs: { ...configs } }
    this.index(next)
    return this.persist().then(() => next)
  }

  /** Writes the current state; changes made while a write runs are covered by one follow-up write. */
  persist(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      this.dirty = true
      if (!this.writing) this.writeLoop()
    })
  }

  private writeLoop(): void {
    this.dirty = false
    const waiters = this.waiters
    this.waiters = []
    const body: FileShape = { version: FORMAT_VERSION, clusterId: this.clusterId, nodeId: this.nodeId, topics: [...this.byName.values()] }
    this.writing = writeFileAtomic(this.path, JSON.stringify(body, null, 1) + '\n').then(
      () => { for (const w of waiters) w.resolve() },
      (err: unknown) => { for (const w of waiters) w.reject(err) },
    ).finally(() => {
      this.writing = null
      if (this.dirty) this.writeLoop()
    })
  }

  /** Resolves once no write is pending (shutdown). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing
  }
}
