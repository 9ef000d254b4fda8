// A MetadataDelta is what one metadata-store transaction (or the initial read) changed, resolved
// against the image before it: which topics appeared, went or changed configs, which partition
// states changed, which brokers (un)registered. `apply()` yields the next image; the replica
// manager and other listeners act on the delta's lists rather than diffing whole images.
import { MetadataImage } from './metadata-image.ts'
import type { PartitionState, StoredPartition, TopicImage } from './metadata-image.ts'
import { parseBrokerRecord, parseControllerRecord, parseFeatureLevelRecord, parseKey, parsePartitionRecord, parseTopicRecord } from './metadata-records.ts'
import type { BrokerRecord, ControllerClaim, FeatureLevelRecord, TopicRecord } from './metadata-records.ts'
import type { KeyValue, WatchEvent } from './store/metadata-store.ts'

export interface TopicChange {
  readonly name: string
  /** The topic in the previous image (absent: created by this delta). */
  readonly before?: TopicImage
  /** The topic in the next image (absent: deleted by this delta). */
  readonly after?: TopicImage
  /** Partition indexes whose state is new or changed (all of them for a new topic). */
  readonly changedPartitions: readonly number[]
  readonly configsChanged: boolean
}

export class MetadataDelta {
  private clusterId: string | undefined
  /** undefined: unchanged; null: the claim went. */
  private controller: ControllerClaim | null | undefined
  private readonly topicPuts = new Map<string, TopicRecord>()
  private readonly topicDeletes = new Set<string>()
  /** By topic id, then index; null = deleted. */
  private readonly partitionPuts = new Map<string, Map<number, StoredPartition | null>>()
  /** A full read: held partitions of invisible topics are only what the read returned. */
  private fullRead = false
  private readonly brokerPuts = new Map<number, BrokerRecord | null>()
  /** Finalized feature levels set (a number) or removed (null). */
  private readonly featurePuts = new Map<string, FeatureLevelRecord | null>()
  private result: { image: MetadataImage, changes: TopicChange[] } | undefined

  constructor(readonly before: MetadataImage, readonly revision: number) {}

  /**
   * The delta from `before` to the state a full range read returned (start-up from the empty
   * image, or catching up after a watch fell behind a compaction): what the read lacks is deleted.
   */
  static fromRange(before: MetadataImage, revision: number, kvs: readonly KeyValue[]): MetadataDelta {
    const d = new MetadataDelta(before, revision)
    for (const t of before.topics()) d.topicDeletes.add(t.name)
    for (const id of before.brokers.keys()) d.brokerPuts.set(id, null)
    for (const name of before.features.keys()) d.featurePuts.set(name, null)
    if (before.controller) d.controller = null
    d.fullRead = true
    for (const kv of kvs) d.put(kv)
    return d
  }

  static fromEvents(before: MetadataImage, revision: number, events: readonly WatchEvent[]): MetadataDelta {
    const d = new MetadataDelta(before, revision)
    for (const e of events) {
      if (e.type === 'put') d.put(e.kv)
      else d.remove(e.kv.key)
    }
    return d
  }

  private put(kv: KeyValue): void {
    const k = parseKey(kv.key)
    switch (k.kind) {
      case 'cluster': this.clusterId = kv.value; break
      case 'controller': this.controller = { id: parseControllerRecord(kv.key, kv.value).id, epoch: kv.createRevision }; break
      case 'topic': this.topicDeletes.delete(k.name); this.topicPuts.set(k.name, parseTopicRecord(kv.key, kv.value)); break
      case 'partition': this.partitionsOf(k.topicId).set(k.index, { ...parsePartitionRecord(kv.key, kv.value), modRevision: kv.modRevision }); break
      case 'broker': this.brokerPuts.set(k.id, parseBrokerRecord(kv.key, kv.value)); break
      case 'feature': this.featurePuts.set(k.name, parseFeatureLevelRecord(kv.key, kv.value)); break
      case 'unknown': break
    }
  }

  private remove(key: string): void {
    const k = parseKey(key)
    switch (k.kind) {
      case 'topic': this.topicPuts.delete(k.name); this.topicDeletes.add(k.name); break
      case 'partition': this.partitionsOf(k.topicId).set(k.index, null); break
      case 'broker': this.brokerPuts.set(k.id, null); break
      case 'feature': this.featurePuts.set(k.name, null); break
      case 'controller': this.controller = null; break
      default: break
    }
  }

  private partitionsOf(topicId: string): Map<number, StoredPartition | null> {
    let m = this.partitionPuts.get(topicId)
    if (!m) this.partitionPuts.set(topicId, (m = new Map()))
    return m
  }

  /** The image after this delta. */
  get image(): MetadataImage {
    return this.compute().image
  }

  /** Topics created, deleted or changed, in no particular order. A topic re-created under the same
   * name within one delta shows as a deletion followed by a creation. */
  get topicChanges(): readonly TopicChange[] {
    return this.compute().changes
  }

  private compute(): { image: MetadataImage, changes: TopicChange[] } {
    if (this.result) return this.result
    const prev = this.before.maps
    const byName = new Map(prev.byName)
    const byId = new Map(prev.byId)
    const changes: TopicChange[] = []
    const pending = this.heldPartitions()
    const touched = new Set<string>([...this.topicPuts.keys(), ...this.topicDeletes])
    for (const id of this.partitionPuts.keys()) {
      const t = prev.byId.get(id)
      if (t) touched.add(t.name)
    }
    for (const name of touched) {
      const before = prev.byName.get(name)
      const record = this.topicPuts.get(name)
      if (this.topicDeletes.has(name) || (record && before && record.topicId !== before.topicId)) {
        if (before) {
          byName.delete(name)
          byId.delete(before.topicId)
          changes.push({ name, before, changedPartitions: [], configsChanged: false })
        }
        if (!record) continue
      }
      const base = record && before && record.topicId === before.topicId ? before : record ? undefined : before
      const topicId = record?.topicId ?? base!.topicId
      const states = base ? [...base.states] : []
      const updates = this.partitionPuts.get(topicId)
      const changed: number[] = []
      const held = base ? undefined : pending.get(topicId)
      if (held) {
        for (const [index, rec] of held) {
          states[index] = { ...rec, topic: name, topicId, partition: index }
          changed.push(index)
        }
        pending.delete(topicId)
      }
      if (updates) {
        for (const [index, rec] of updates) {
          if (rec === null) {
            if (index < states.length) states.length = index
            continue
          }
          states[index] = { ...rec, topic: name, topicId, partition: index }
          if (!held?.has(index)) changed.push(index)
        }
      }
      // Partitions are numbered 0..n-1; a gap would be a half-written topic: stop at it.
      let n = 0
      while (n < states.length && states[n] !== undefined) n++
      states.length = n
      const configs = record?.configs ?? base!.configs
      const after: TopicImage = {
        name, topicId, partitions: states.length, configs, internal: record?.internal ?? base!.internal,
        states: states as PartitionState[],
      }
      byName.set(name, after)
      byId.set(topicId, after)
      changes.push({
        name, before: base, after, changedPartitions: changed.filter((i) => i < n).sort((a, b) => a - b),
        configsChanged: base !== undefined && !sameConfigs(base.configs, configs),
      })
    }
    let brokers = this.before.brokers
    if (this.brokerPuts.size > 0) {
      const next = new Map(brokers)
      for (const [id, b] of this.brokerPuts) {
        if (b) next.set(id, b)
        else next.delete(id)
      }
      brokers = next
    }
    let features = this.before.features
    if (this.featurePuts.size > 0) {
      const next = new Map(features)
      for (const [name, record] of this.featurePuts) {
        if (record === null) next.delete(name)
        else next.set(name, record)
      }
      features = next
    }
    const controller = this.controller === undefined ? this.before.controller : this.controller
    const image = new MetadataImage(this.revision, this.clusterId ?? this.before.clusterId, byName, byId, brokers, controller,
      pending.size === 0 && this.before.pending.size === 0 ? this.before.pending : pending, features)
    this.result = { image, changes }
    return this.result
  }

  /** Held partitions after this delta (a copy when it changes them), before new topics take theirs. */
  private heldPartitions(): Map<string, Map<number, StoredPartition>> {
    const known = this.before.maps.byId
    const arriving = new Set([...this.topicPuts.values()].map((r) => r.topicId))
    const out = new Map<string, Map<number, StoredPartition>>()
    if (!this.fullRead) for (const [id, m] of this.before.pending) out.set(id, new Map(m))
    for (const [id, updates] of this.partitionPuts) {
      if (known.has(id) && !this.topicDeletes.has(known.get(id)!.name)) continue
      let m = out.get(id)
      if (!m) out.set(id, (m = new Map()))
      for (const [index, rec] of updates) {
        if (rec === null) m.delete(index)
        else m.set(index, rec)
      }
      if (m.size === 0 && !arriving.has(id)) out.delete(id)
    }
    return out
  }
}

function sameConfigs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}
