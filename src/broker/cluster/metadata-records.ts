// The key layout of cluster metadata in the metadata store, and the JSON values under each key.
// Keys are compact so a change touches few of them: one key per topic (id, configs), one per
// partition (replicas, ISR, leader, epochs), one per broker registration, and the cluster id.
// Partition keys hang off the topic id, so a topic deleted and re-created under the same name
// never mixes old and new partition states.

export const CLUSTER_ID_KEY = '/cluster/id'
/** The active controller's claim (leased): exactly one broker holds it at a time. */
export const CONTROLLER_KEY = '/controller'
export const BROKERS_PREFIX = '/brokers/'
export const TOPICS_PREFIX = '/topics/'
export const PARTITIONS_PREFIX = '/partitions/'
/** Finalized feature levels (Kafka's FeatureLevelRecord), one key per feature, written by the controller. */
export const FEATURES_PREFIX = '/features/'

export const brokerKey = (id: number): string => `${BROKERS_PREFIX}${id}`
export const topicKey = (name: string): string => `${TOPICS_PREFIX}${name}`
export const topicPartitionsPrefix = (topicId: string): string => `${PARTITIONS_PREFIX}${topicId}/`
export const partitionKey = (topicId: string, index: number): string => `${topicPartitionsPrefix(topicId)}${index}`
export const featureKey = (name: string): string => `${FEATURES_PREFIX}${name}`

/** Value of `/features/<name>`: the finalized level of one feature. */
export interface FeatureLevelRecord {
  readonly level: number
  /** Set by an operator (UpdateFeatures): the controller's finalizer leaves the level as it is. */
  readonly pinned?: boolean
}

/** A feature's version range a broker supports (its registration carries them, as Kafka's does). */
export interface SupportedFeatureRange {
  readonly min: number
  readonly max: number
}

/** Value of `/topics/<name>`. */
export interface TopicRecord {
  /** 22-character base64url UUID, never zero. */
  readonly topicId: string
  /** Topic config overrides as given (validated against the topic config table before writing). */
  readonly configs: Readonly<Record<string, string>>
  /** __consumer_offsets and __transaction_state. */
  readonly internal: boolean
}

/** Value of `/partitions/<topicId>/<index>`: the replica state every broker acts on. */
export interface PartitionRecord {
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
  /** Node id of the leader, -1 when there is none. */
  readonly leader: number
  /** Bumped on every leader change. */
  readonly leaderEpoch: number
  /** Bumped on every change of this record (ISR, replicas, leader): the CAS guard of ISR updates. */
  readonly partitionEpoch: number
  /** During a reassignment (KIP-455): replicas being added (catching up) and to be removed. */
  readonly addingReplicas?: readonly number[]
  readonly removingReplicas?: readonly number[]
}

/** A record's reassignment fields, for a new record built from it (elections keep them). */
export function reassignmentOf(r: PartitionRecord): Pick<PartitionRecord, 'addingReplicas' | 'removingReplicas'> {
  return r.addingReplicas || r.removingReplicas ? { addingReplicas: r.addingReplicas ?? [], removingReplicas: r.removingReplicas ?? [] } : {}
}

export interface BrokerEndpoint {
  readonly name: string
  readonly host: string
  readonly port: number
}

/** Value of `/brokers/<id>` (leased in a cluster). */
export interface BrokerRecord {
  readonly id: number
  /** Changes on every registration, so a quick restart is still seen as a failure and rejoin. */
  readonly epoch: number
  readonly listeners: readonly BrokerEndpoint[]
  readonly rack: string | null
  /** Host name and data directory of the registering process (a restart recognises its own). */
  readonly host?: string
  readonly logDir?: string
  /** Supported feature ranges by name; absent (an older broker): every feature at level 0 only. */
  readonly features?: Readonly<Record<string, SupportedFeatureRange>>
}

/** Value of `/controller`, written under the controller's broker lease. */
export interface ControllerRecord {
  readonly id: number
  /** The claimant's broker epoch (its registration), for operators reading the key. */
  readonly brokerEpoch: number
}

/** The controller as the image knows it: its epoch is the claim's create revision (grows per election). */
export interface ControllerClaim {
  readonly id: number
  readonly epoch: number
}

export type ParsedKey =
  | { kind: 'cluster' }
  | { kind: 'controller' }
  | { kind: 'broker', id: number }
  | { kind: 'topic', name: string }
  | { kind: 'partition', topicId: string, index: number }
  | { kind: 'feature', name: string }
  | { kind: 'unknown' }

export function parseKey(key: string): ParsedKey {
  if (key === CLUSTER_ID_KEY) return { kind: 'cluster' }
  if (key === CONTROLLER_KEY) return { kind: 'controller' }
  if (key.startsWith(TOPICS_PREFIX)) return { kind: 'topic', name: key.slice(TOPICS_PREFIX.length) }
  if (key.startsWith(FEATURES_PREFIX)) return { kind: 'feature', name: key.slice(FEATURES_PREFIX.length) }
  if (key.startsWith(PARTITIONS_PREFIX)) {
    const rest = key.slice(PARTITIONS_PREFIX.length)
    const slash = rest.lastIndexOf('/')
    const index = Number(rest.slice(slash + 1))
    if (slash > 0 && Number.isInteger(index) && index >= 0) return { kind: 'partition', topicId: rest.slice(0, slash), index }
  }
  if (key.startsWith(BROKERS_PREFIX)) {
    const id = Number(key.slice(BROKERS_PREFIX.length))
    if (Number.isInteger(id)) return { kind: 'broker', id }
  }
  return { kind: 'unknown' }
}

export class MetadataRecordError extends Error {
  constructor(key: string, message: string) {
    super(`metadata key ${key}: ${message}`)
    this.name = 'MetadataRecordError'
  }
}

const isIntArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x))

export function parseTopicRecord(key: string, value: string): TopicRecord {
  const o = parseJson(key, value)
  if (typeof o.topicId !== 'string' || typeof o.configs !== 'object' || o.configs === null || typeof o.internal !== 'boolean' ||
    !Object.values(o.configs).every((v) => typeof v === 'string')) {
    throw new MetadataRecordError(key, 'malformed topic record')
  }
  return { topicId: o.topicId, configs: o.configs as Record<string, string>, internal: o.internal }
}

export function parsePartitionRecord(key: string, value: string): PartitionRecord {
  const o = parseJson(key, value)
  if (!isIntArray(o.replicas) || !isIntArray(o.isr) || !Number.isInteger(o.leader) || !Number.isInteger(o.leaderEpoch) ||
    !Number.isInteger(o.partitionEpoch)) {
    throw new MetadataRecordError(key, 'malformed partition record')
  }
  const r: PartitionRecord = { replicas: o.replicas, isr: o.isr, leader: o.leader as number, leaderEpoch: o.leaderEpoch as number, partitionEpoch: o.partitionEpoch as number }
  if (isIntArray(o.addingReplicas) && isIntArray(o.removingReplicas)) return { ...r, addingReplicas: o.addingReplicas, removingReplicas: o.removingReplicas }
  return r
}

export function parseControllerRecord(key: string, value: string): ControllerRecord {
  const o = parseJson(key, value)
  if (!Number.isInteger(o.id)) throw new MetadataRecordError(key, 'malformed controller record')
  return { id: o.id as number, brokerEpoch: Number.isInteger(o.brokerEpoch) ? o.brokerEpoch as number : -1 }
}

export function parseBrokerRecord(key: string, value: string): BrokerRecord {
  const o = parseJson(key, value)
  if (!Number.isInteger(o.id) || !Number.isInteger(o.epoch) || !Array.isArray(o.listeners)) throw new MetadataRecordError(key, 'malformed broker record')
  return {
    id: o.id as number, epoch: o.epoch as number, listeners: o.listeners as BrokerEndpoint[], rack: typeof o.rack === 'string' ? o.rack : null,
    ...(typeof o.host === 'string' ? { host: o.host } : {}), ...(typeof o.logDir === 'string' ? { logDir: o.logDir } : {}),
    ...(isFeatureRanges(o.features) ? { features: o.features } : {}),
  }
}

function isFeatureRanges(v: unknown): v is Record<string, SupportedFeatureRange> {
  return typeof v === 'object' && v !== null && Object.values(v).every((r: unknown) =>
    typeof r === 'object' && r !== null && Number.isInteger((r as SupportedFeatureRange).min) && Number.isInteger((r as SupportedFeatureRange).max))
}

export function parseFeatureLevelRecord(key: string, value: string): FeatureLevelRecord {
  const o = parseJson(key, value)
  if (!Number.isInteger(o.level) || (o.level as number) < 0) throw new MetadataRecordError(key, 'malformed feature level record')
  return o.pinned === true ? { level: o.level as number, pinned: true } : { level: o.level as number }
}

function parseJson(key: string, value: string): Record<string, unknown> {
  let o: unknown
  try {
    o = JSON.parse(value)
  } catch (err) {
    throw new MetadataRecordError(key, `not valid JSON (${(err as Error).message})`)
  }
  if (typeof o !== 'object' || o === null) throw new MetadataRecordError(key, 'not an object')
  return o as Record<string, unknown>
}
