// The client's view of the cluster: connections (one per broker, opened on demand, reopened with
// backoff), the metadata cache (brokers, topics, partition leaders) and its refresh. Producer,
// consumer and admin all stand on it; none of them opens sockets itself.
import { setTimeout as sleep } from 'node:timers/promises'
import { ZERO_UUID } from '../protocol/primitives/index.ts'
import { ApiKey } from '../protocol/generated/api-keys.ts'
import type { MetadataResponse } from '../protocol/generated/messages/metadata.ts'
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator.ts'
import { Connection } from './net/connection.ts'
import { AbortedError, ConnectionError, KafkaError } from './errors.ts'
import { ErrorCode, isRetriable as isRetriableCode } from '../protocol/errors.ts'
import { backoffDelay, retry } from './retry.ts'
import type { RetryOptions } from './retry.ts'
import type { ResolvedClientOptions } from './options.ts'

/** Errors of a refused login (SaslHandshake/SaslAuthenticate): final, never retried elsewhere. */
const AUTHENTICATION_ERRORS: ReadonlySet<number> = new Set([ErrorCode.SASL_AUTHENTICATION_FAILED, ErrorCode.UNSUPPORTED_SASL_MECHANISM, ErrorCode.ILLEGAL_SASL_STATE])

export interface PartitionInfo {
  partition: number
  /** Node id of the leader, -1 while there is none. */
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  errorCode: number
}

export interface TopicInfo {
  name: string
  topicId: string
  isInternal: boolean
  /** Indexed by partition number. */
  partitions: PartitionInfo[]
}

export interface BrokerInfo {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

/** What a connection is for: each purpose has its own socket per broker. */
export type ConnectionPurpose = 'data' | 'coordinator' | 'fetch'

const RECONNECT_BACKOFF_MS = 50
const RECONNECT_BACKOFF_MAX_MS = 1_000

export class Cluster {
  clusterId: string | null = null
  controllerId = -1
  readonly brokers = new Map<number, BrokerInfo>()
  private readonly topics = new Map<string, TopicInfo>()
  /** Topics dropped from the cache by invalidate(): the next refresh asks for them again. */
  private readonly stale = new Set<string>()
  private readonly conns = new Map<string, Promise<Connection>>()
  private readonly open = new Map<string, Connection>()
  private readonly failures = new Map<string, { count: number; nextAt: number }>()
  private readonly coordinators = new Map<string, number>()
  private refreshing: Promise<void> | null = null
  private lastRefreshAt = 0
  private closing = false

  constructor(readonly options: ResolvedClientOptions) {}

  get retryOptions(): RetryOptions {
    const o = this.options
    return { retries: o.retries, backoffMs: o.retryBackoffMs, maxBackoffMs: o.retryBackoffMaxMs }
  }

  /**
   * The connection to `host:port`, opened (after the reconnect backoff) when there is none.
   * Group and transaction coordinators get their own connection (as the Java client does): a
   * heartbeat must not queue behind a fetch long poll on the same socket. 'fetch' is a consumer's
   * second fetch connection (see Fetcher): a broker answers a connection's requests in order.
   */
  connection(host: string, port: number, purpose: ConnectionPurpose = 'data'): Promise<Connection> {
    if (this.closing) return Promise.reject(new AbortedError('the client is closed'))
    const address = purpose === 'data' ? `${host}:${port}` : `${host}:${port}#${purpose}`
    let p = this.conns.get(address)
    if (p === undefined) {
      p = this.connect(address, host, port)
      this.conns.set(address, p)
    }
    return p
  }

  private async connect(address: string, host: string, port: number): Promise<Connection> {
    const f = this.failures.get(address)
    if (f !== undefined && f.nextAt > Date.now()) await sleep(f.nextAt - Date.now())
    const o = this.options
    try {
      const conn = await Connection.open({
        host, port, clientId: o.clientId, connectTimeoutMs: o.connectTimeoutMs, requestTimeoutMs: o.requestTimeoutMs, tls: o.tls, sasl: o.sasl, diagnosticsId: o.diagnosticsId,
      })
      this.failures.delete(address)
      this.open.set(address, conn)
      conn.onClose(() => {
        if (this.open.get(address) === conn) this.open.delete(address)
        this.conns.delete(address)
      })
      if (this.closing) conn.close()
      return conn
    } catch (err) {
      const count = (f?.count ?? 0) + 1
      this.failures.set(address, { count, nextAt: Date.now() + backoffDelay(count - 1, RECONNECT_BACKOFF_MS, RECONNECT_BACKOFF_MAX_MS) })
      this.conns.delete(address)
      throw err
    }
  }

  /**
   * The open connection to broker `nodeId`, or undefined (then `nodeConnection`): the produce and
   * fetch paths take it without a promise hop per request.
   */
  openNodeConnection(nodeId: number, purpose: ConnectionPurpose = 'data'): Connection | undefined {
    const b = this.brokers.get(nodeId)
    if (b === undefined || this.closing) return undefined
    const c = this.open.get(purpose === 'data' ? `${b.host}:${b.port}` : `${b.host}:${b.port}#${purpose}`)
    return c !== undefined && !c.closed ? c : undefined
  }

  /** The connection to broker `nodeId` (known from metadata). */
  async nodeConnection(nodeId: number, purpose: ConnectionPurpose = 'data'): Promise<Connection> {
    let b = this.brokers.get(nodeId)
    if (b === undefined) {
      await this.refreshMetadata()
      b = this.brokers.get(nodeId)
      if (b === undefined) throw new ConnectionError(`broker ${nodeId} is not in the cluster metadata`)
    }
    return this.connection(b.host, b.port, purpose)
  }

  /** Any working connection: an open one, else each known broker and bootstrap server in turn. */
  async anyConnection(): Promise<Connection> {
    // The least loaded open connection: a metadata request should not wait behind a long poll.
    let best: Connection | null = null
    for (const c of this.open.values()) if (!c.closed && (best === null || c.inFlight < best.inFlight)) best = c
    if (best !== null && best.inFlight === 0) return best
    const candidates = [...this.brokers.values(), ...this.options.bootstrap]
    const errors: string[] = []
    for (const b of candidates) {
      try {
        return await this.connection(b.host, b.port)
      } catch (err) {
        if (this.closing) throw err
        // A refused login is final, as in Kafka's clients (AuthenticationException): no other broker would take it.
        if (err instanceof KafkaError && AUTHENTICATION_ERRORS.has(err.code)) throw err
        errors.push((err as Error).message)
      }
    }
    if (best !== null && !best.closed) return best
    throw new ConnectionError(`could not connect to any broker (${[...new Set(errors)].join('; ')})`)
  }

  /** Cached metadata of `topic`, or undefined. */
  cachedTopic(topic: string): TopicInfo | undefined {
    return this.topics.get(topic)
  }

  get metadataAgeMs(): number {
    return Date.now() - this.lastRefreshAt
  }

  /**
   * Metadata of `topic`, refreshed when missing or stale; retries while the topic has no
   * leaders yet (just created) and throws UNKNOWN_TOPIC_OR_PARTITION when it does not exist.
   */
  async topic(topic: string, autoCreate = false): Promise<TopicInfo> {
    const cached = this.topics.get(topic)
    if (cached !== undefined && this.metadataAgeMs < this.options.metadataMaxAgeMs) return cached
    return retry(async () => {
      await this.refreshMetadata([topic], autoCreate)
      const t = this.topics.get(topic)
      if (t === undefined) throw new KafkaError(3, { topic })
      if (t.partitions.some((p) => p.leader < 0)) throw new KafkaError(5, { topic })
      return t
    }, this.retryOptions)
  }

  /** Forgets a topic's leaders (after NOT_LEADER_OR_FOLLOWER and friends); the next use refreshes. */
  invalidate(topic: string): void {
    this.lastRefreshAt = 0
    if (this.topics.delete(topic)) this.stale.add(topic)
  }

  /**
   * Refreshes brokers and the metadata of `topics` plus every topic already cached. Concurrent
   * calls share one request when it covers them.
   */
  async refreshMetadata(topics: readonly string[] = [], autoCreate = false): Promise<void> {
    while (this.refreshing !== null) {
      const running = this.refreshing
      await running.catch(() => {})
      if (topics.every((t) => this.topics.has(t))) return
    }
    const wanted = [...new Set([...this.topics.keys(), ...this.stale, ...topics])]
    const p = this.fetchMetadata(wanted, autoCreate).then(() => {})
    this.refreshing = p
    try {
      await p
    } finally {
      if (this.refreshing === p) this.refreshing = null
    }
  }

  /** Metadata for `topics` (null: every topic), also used to update the cache. */
  async fetchMetadata(topics: readonly string[] | null, autoCreate = false): Promise<MetadataResponse> {
    const res = await retry(async () => {
      const conn = await this.anyConnection()
      // Before v4 the broker's auto-creation setting decides (the field does not exist).
      const v = conn.version(ApiKey.Metadata)
      return conn.request<MetadataResponse>(ApiKey.Metadata, {
        topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
        allowAutoTopicCreation: v < 4 ? true : autoCreate,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })
    }, this.retryOptions)
    this.apply(res)
    return res
  }

  private apply(res: MetadataResponse): void {
    this.clusterId = res.clusterId
    this.controllerId = res.controllerId
    this.brokers.clear()
    for (const b of res.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })
    for (const t of res.topics) {
      if (t.name === null) continue
      this.stale.delete(t.name)
      if (t.errorCode !== 0) {
        // A retriable error (no leader yet, ...): ask again on the next refresh.
        if (this.topics.delete(t.name) || isRetriableCode(t.errorCode)) this.stale.add(t.name)
        continue
      }
      const partitions: PartitionInfo[] = []
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex, leader: p.errorCode === 0 || p.errorCode === 9 ? p.leaderId : -1, leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode,
        }
      }
      this.topics.set(t.name, { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions })
    }
    this.lastRefreshAt = Date.now()
  }

  /** The coordinator of a group (keyType 0) or transactional id (keyType 1), cached until forgotten. */
  async coordinator(key: string, keyType: 0 | 1): Promise<Connection> {
    const cacheKey = `${keyType}:${key}`
    const known = this.coordinators.get(cacheKey)
    const b = known === undefined ? undefined : this.brokers.get(known)
    if (b !== undefined) return this.connection(b.host, b.port, 'coordinator')
    return retry(async () => {
      const conn = await this.anyConnection()
      const v = conn.version(ApiKey.FindCoordinator)
      const res = await conn.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, v >= 4 ? { key: '', keyType, coordinatorKeys: [key] } : { key, keyType, coordinatorKeys: [] })
      let nodeId: number, host: string, port: number, errorCode: number, message: string | null
      if (v >= 4) {
        const c = res.coordinators[0]!
        ;({ nodeId, host, port, errorCode } = c)
        message = c.errorMessage
      } else {
        ;({ nodeId, host, port, errorCode } = res)
        message = res.errorMessage
      }
      if (errorCode !== 0) throw new KafkaError(errorCode, { api: 'FindCoordinator', message })
      this.coordinators.set(cacheKey, nodeId)
      if (!this.brokers.has(nodeId)) this.brokers.set(nodeId, { nodeId, host, port, rack: null })
      return this.connection(host, port, 'coordinator')
    }, this.retryOptions)
  }

  forgetCoordinator(key: string, keyType: 0 | 1): void {
    this.coordinators.delete(`${keyType}:${key}`)
  }

  async close(): Promise<void> {
    this.closing = true
    const pending = [...this.conns.values()]
    for (const c of this.open.values()) c.close()
    await Promise.allSettled(pending.map(async (p) => (await p).close()))
  }
}
