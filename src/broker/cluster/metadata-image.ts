// The metadata image: an immutable snapshot of what exists and who leads — cluster id, brokers,
// topics (name, id, configs), each partition's replicas, ISR, leader and epochs, and the finalized
// feature levels — as of one
// metadata-store revision. A new image is made from the previous one by a MetadataDelta, sharing
// every topic the delta did not touch, so an update costs what changed, not the cluster's size.
import type { BrokerRecord, ControllerClaim, FeatureLevelRecord, PartitionRecord } from './metadata-records.ts'

/** What most readers need of a topic (Metadata, Produce, Fetch, admin). */
export interface TopicMetadata {
  readonly name: string
  /** 22-character base64url UUID, never zero. */
  readonly topicId: string
  /** Partition count. */
  readonly partitions: number
  /** Topic config overrides as given. */
  readonly configs: Readonly<Record<string, string>>
  /** __consumer_offsets and __transaction_state. */
  readonly internal: boolean
}

export interface PartitionState extends PartitionRecord {
  readonly topic: string
  readonly topicId: string
  readonly partition: number
  /** Store revision of the last write to this state (compare-and-swap guard of the next one). */
  readonly modRevision?: number
}

export interface TopicImage extends TopicMetadata {
  /** Partition states by index (`states.length === partitions`). */
  readonly states: readonly PartitionState[]
}

/** A partition state as read from the store, with the revision of its last write. */
export type StoredPartition = PartitionRecord & { readonly modRevision: number }

export class MetadataImage {
  static readonly EMPTY = new MetadataImage(0, '', new Map(), new Map(), new Map())

  constructor(
    /** The metadata-store revision this image reflects. */
    readonly revision: number,
    readonly clusterId: string,
    private readonly byName: ReadonlyMap<string, TopicImage>,
    private readonly byId: ReadonlyMap<string, TopicImage>,
    readonly brokers: ReadonlyMap<number, BrokerRecord>,
    /** The active controller, if one holds the claim. */
    readonly controller: ControllerClaim | null = null,
    /**
     * Partition states of topic ids with no topic key yet: a large topic is written in chunks,
     * partitions first and the topic key last, and becomes visible whole when that key arrives.
     */
    readonly pending: ReadonlyMap<string, ReadonlyMap<number, StoredPartition>> = new Map(),
    /** Finalized feature levels by name (`/features/<name>`); a feature not listed is at level 0. */
    readonly features: ReadonlyMap<string, FeatureLevelRecord> = new Map(),
  ) {}

  /** The finalized level of `feature` (0 when not finalized). */
  featureLevel(feature: string): number {
    return this.features.get(feature)?.level ?? 0
  }

  /** Whether an operator set `feature`'s level (UpdateFeatures); nothing raises it on its own then. */
  featurePinned(feature: string): boolean {
    return this.features.get(feature)?.pinned === true
  }

  /** Node id of the active controller, -1 when none holds the claim. */
  get controllerId(): number {
    return this.controller?.id ?? -1
  }

  topic(name: string): TopicImage | undefined {
    return this.byName.get(name)
  }

  topicById(id: string): TopicImage | undefined {
    return this.byId.get(id)
  }

  topics(): IterableIterator<TopicImage> {
    return this.byName.values()
  }

  get topicCount(): number {
    return this.byName.size
  }

  partition(topic: string, index: number): PartitionState | undefined {
    return this.byName.get(topic)?.states[index]
  }

  /** For MetadataDelta: the maps to copy. */
  get maps(): { byName: ReadonlyMap<string, TopicImage>, byId: ReadonlyMap<string, TopicImage> } {
    return { byName: this.byName, byId: this.byId }
  }
}

/** The read side of the metadata every broker service sees: the current image. */
export interface MetadataView {
  readonly image: MetadataImage
  readonly clusterId: string
  topic(name: string): TopicImage | undefined
  topicById(id: string): TopicImage | undefined
  topics(): IterableIterator<TopicImage>
  readonly topicCount: number
}
