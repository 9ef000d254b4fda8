// Host metadata for interactive queries (Kafka Streams' StreamsMetadata / KeyQueryMetadata): every
// instance started with `applicationServer` ('host:port') is named in the assignment each member
// receives, with its active and standby tasks, so any instance can tell which one holds a key of
// a store: the key's partition is the default partitioner's (murmur2 of the key serialized for
// the store's source topic), its task the store's sub-topology at that partition.
import { keyPartition } from '../../client/index.ts'
import type { TopicPartition } from '../../client/index.ts'
import { StreamsError } from '../errors.ts'
import type { Subtopology } from '../processor/topology.ts'
import type { Serde } from '../serdes.ts'
import type { AssignmentInfo } from './assignor.ts'

export interface HostInfo {
  host: string
  port: number
}

export interface StreamsMetadata {
  hostInfo: HostInfo
  /** Stores of its active tasks (and the global stores). */
  stateStoreNames: string[]
  /** Source partitions of its active tasks. */
  topicPartitions: TopicPartition[]
  standbyStateStoreNames: string[]
  standbyTopicPartitions: TopicPartition[]
}

export interface KeyQueryMetadata {
  /** Null while unknown (before the first assignment, or no instance with an `applicationServer` has the task). */
  activeHost: HostInfo | null
  standbyHosts: HostInfo[]
  /** The key's partition; -1 when unknown. */
  partition: number
}

export const NOT_AVAILABLE: KeyQueryMetadata = { activeHost: null, standbyHosts: [], partition: -1 }

export function parseHostInfo(s: string): HostInfo {
  const i = s.lastIndexOf(':')
  const port = Number(s.slice(i + 1))
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new StreamsError(`application.server must be host:port, got ${JSON.stringify(s)}`)
  return { host: s.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port }
}

export class StreamsMetadataState {
  info: AssignmentInfo | null = null

  constructor(
    private readonly subs: readonly Subtopology[],
    /** Source topics of a sub-topology as on the broker. */
    private readonly sourceTopics: (s: Subtopology) => string[],
    /** Task count per sub-topology id (known once the instance has started). */
    private readonly taskCounts: () => ReadonlyMap<number, number> | null,
    private readonly globalStores: readonly string[],
  ) {}

  private subOf(taskId: string): Subtopology | undefined {
    const id = Number(taskId.slice(0, taskId.indexOf('_')))
    return this.subs.find((s) => s.id === id)
  }

  private tps(taskIds: readonly string[]): TopicPartition[] {
    return taskIds.flatMap((t) => {
      const sub = this.subOf(t)
      const partition = Number(t.slice(t.indexOf('_') + 1))
      return sub === undefined ? [] : this.sourceTopics(sub).map((topic) => ({ topic, partition }))
    })
  }

  private stores(taskIds: readonly string[]): string[] {
    return [...new Set(taskIds.flatMap((t) => this.subOf(t)?.stores ?? []))].sort()
  }

  all(): StreamsMetadata[] {
    if (this.info === null) return []
    return Object.entries(this.info.hosts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([host, h]) => ({
      hostInfo: parseHostInfo(host),
      stateStoreNames: [...this.stores(h.active), ...this.globalStores].sort(),
      topicPartitions: this.tps(h.active),
      standbyStateStoreNames: this.stores(h.standby),
      standbyTopicPartitions: this.tps(h.standby),
    }))
  }

  forStore(store: string): StreamsMetadata[] {
    return this.all().filter((m) => m.stateStoreNames.includes(store) || m.standbyStateStoreNames.includes(store))
  }

  forKey<K>(store: string, key: K, keySerde: Serde<K>, self: HostInfo | null): KeyQueryMetadata {
    if (this.globalStores.includes(store)) return self === null ? NOT_AVAILABLE : { activeHost: self, standbyHosts: [], partition: -1 }
    const sub = this.subs.find((s) => s.stores.includes(store))
    if (sub === undefined) throw new StreamsError(`no store named ${store} in the topology`)
    const counts = this.taskCounts()
    const n = counts?.get(sub.id)
    if (this.info === null || n === undefined) return NOT_AVAILABLE
    const topic = this.sourceTopics(sub)[0]!
    const bytes = keySerde.serialize(key, topic)
    if (bytes === null) throw new StreamsError('a null key has no partition')
    const partition = keyPartition(bytes, n)
    const task = `${sub.id}_${partition}`
    let active: HostInfo | null = null
    const standbyHosts: HostInfo[] = []
    for (const [host, h] of Object.entries(this.info.hosts)) {
      if (h.active.includes(task)) active = parseHostInfo(host)
      if (h.standby.includes(task)) standbyHosts.push(parseHostInfo(host))
    }
    return active === null ? { ...NOT_AVAILABLE, partition } : { activeHost: active, standbyHosts, partition }
  }
}
