// The transaction coordinator as a state machine over injected effects (clock, log append, marker
// writes, producer ids): Kafka's TransactionCoordinator for transaction versions 0/1 (the
// EndTxn <= 4 protocol) and 2 (EndTxn v5+, end-txn-v2.ts: the epoch bumped at every end). Every state change is first written to `__transaction_state` and only
// applied in memory once durable; `replay` applies the same records at start-up, after which
// `recover` finishes transactions caught in PrepareCommit/PrepareAbort. Operations on one
// transactional id run one at a time (a promise chain per id), and at most one client request
// per id is in flight: another one meanwhile gets CONCURRENT_TRANSACTIONS (Kafka's answer while
// an id has a state transition pending), so requests for one id cannot queue without bound.
//
// EndTxn answers once the Prepare record is durable; markers and the Complete record follow in
// the background (a client's next call on the id waits behind them in the chain).
import { ErrorCode } from '../../../protocol/errors.ts'
import { partitionForKey } from '../coordinator-key.ts'
import type { ProducerIdSource } from './producer-id-manager.ts'
import { MAX_EPOCH, TV2, TxnState, cloneTxn, isComplete, isPrepare, tpKey } from './txn-metadata.ts'
import { decideEndTxnV2, identityAfter } from './end-txn-v2.ts'
import type { TopicPartition, TxnMetadata } from './txn-metadata.ts'
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue } from './txn-records.ts'

export interface TxnCoordinatorConfig {
  /** transaction.state.log.num.partitions */
  readonly logPartitions: number
  /** transaction.max.timeout.ms */
  readonly maxTimeoutMs: number
  /** transactional.id.expiration.ms */
  readonly idExpirationMs: number
}

export interface TxnCoordinatorDeps {
  readonly config: TxnCoordinatorConfig
  now(): number
  /** Appends one record to partition `partition` of __transaction_state; resolves once durable. */
  appendLog(partition: number, key: Buffer, value: Buffer | null): Promise<void>
  /** Writes a commit/abort marker for the producer into every partition. */
  writeMarkers(producerId: number, producerEpoch: number, commit: boolean, partitions: readonly TopicPartition[], transactionalId: string): Promise<void>
  readonly producerIds: ProducerIdSource
  /** Whether a topic-partition exists (AddPartitionsToTxn of others: UNKNOWN_TOPIC_OR_PARTITION). */
  partitionExists(topic: string, partition: number): boolean
  /** A transaction finished (after its markers): commit or drop its pending group offsets. */
  onComplete?(producerId: number, producerEpoch: number, commit: boolean): Promise<void>
  onError?(err: unknown, what: string): void
}

export interface InitResult {
  errorCode: number
  producerId: number
  producerEpoch: number
}

export interface PartitionResult {
  topic: string
  partition: number
  errorCode: number
}

/** Which __transaction_state partition holds a transactional id (Kafka's, via Java's hashCode). */
export function partitionForTxnId(transactionalId: string, partitions: number): number {
  return partitionForKey(transactionalId, partitions)
}

const NO_PID: InitResult = { errorCode: ErrorCode.NONE, producerId: -1, producerEpoch: -1 }
const fail = (errorCode: number): InitResult => ({ ...NO_PID, errorCode })

export class TxnCoordinator {
  private readonly txns = new Map<string, TxnMetadata>()
  private readonly chains = new Map<string, Promise<unknown>>()
  /** Transactional ids with a client request in flight (running or waiting in the chain). */
  private readonly inFlight = new Set<string>()
  private readonly deps: TxnCoordinatorDeps
  private loading = true
  /** __transaction_state partitions this node resigned: their ids answer NOT_COORDINATOR. */
  private readonly resigned = new Set<number>()
  private closed = false
  /** Background completions (markers + Complete record), awaited by `idle()`. */
  private readonly background = new Set<Promise<unknown>>()

  constructor(deps: TxnCoordinatorDeps) {
    this.deps = deps
  }

  get config(): TxnCoordinatorConfig {
    return this.deps.config
  }

  partitionFor(transactionalId: string): number {
    return partitionForTxnId(transactionalId, this.deps.config.logPartitions)
  }

  /** Current metadata (a copy), for describe APIs and tests. */
  describe(transactionalId: string): TxnMetadata | undefined {
    const m = this.txns.get(transactionalId)
    return m && cloneTxn(m)
  }

  all(): TxnMetadata[] {
    return [...this.txns.values()].map(cloneTxn)
  }

  get isLoading(): boolean {
    return this.loading
  }

  // ------------------------------------------------------------------ replay / recovery

  /** Applies one `__transaction_state` record (start-up load). Bad records are skipped by the caller. */
  replay(key: Buffer | null, value: Buffer | null): void {
    const id = decodeTxnKey(key)
    const m = decodeTxnValue(id, value)
    if (m) this.txns.set(id, m)
    else this.txns.delete(id)
  }

  /** Load finished: finish transactions left in a Prepare state, then serve requests. */
  recover(): void {
    this.loading = false
    for (const m of this.txns.values()) {
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
        const id = m.transactionalId
        this.track(this.serial(id, () => this.complete(id)))
      }
    }
  }

  /** Elected again after a resignation: the partition's ids are served once replayed. */
  beginLoad(partition: number): void {
    this.resigned.delete(partition)
  }

  /**
   * A partition loaded after start-up (a later election): its transactions left in a Prepare
   * state are completed. The start-up load ends with `recover()` instead.
   */
  completeLoad(partition: number): void {
    if (this.loading) return
    for (const m of this.txns.values()) {
      if (this.partitionFor(m.transactionalId) !== partition) continue
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) {
        const id = m.transactionalId
        this.track(this.serial(id, () => this.complete(id)))
      }
    }
  }

  /** Resigned: the partition's transactional ids are forgotten and answer NOT_COORDINATOR. */
  unloadPartition(partition: number): void {
    this.resigned.add(partition)
    for (const id of [...this.txns.keys()]) if (this.partitionFor(id) === partition) this.txns.delete(id)
  }

  // ------------------------------------------------------------------ requests

  async initProducerId(transactionalId: string | null, timeoutMs: number, expectedPid = -1, expectedEpoch = -1): Promise<InitResult> {
    if (transactionalId === null || transactionalId === '') {
      return { errorCode: ErrorCode.NONE, producerId: await this.deps.producerIds.next(), producerEpoch: 0 }
    }
    const gate = this.gate(transactionalId)
    if (gate !== ErrorCode.NONE) return fail(gate)
    if (timeoutMs <= 0 || timeoutMs > this.deps.config.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT)
    if (this.inFlight.has(transactionalId)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
    return this.exclusive(transactionalId, () => this.initTransactional(transactionalId, timeoutMs, expectedPid, expectedEpoch)).catch((e: unknown) => {
      // A write that failed (the partition moved, the topic is being created elsewhere) is an
      // answer the client retries, never a closed connection.
      this.deps.onError?.(e, 'writing transaction state')
      return fail((e as { code?: unknown } | null)?.code === 'NOT_LEADER_OR_FOLLOWER' ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE)
    })
  }

  private async initTransactional(transactionalId: string, timeoutMs: number, expectedPid: number, expectedEpoch: number): Promise<InitResult> {
    let m = this.txns.get(transactionalId)
    const now = this.deps.now()
    if (!m) {
      const producerId = await this.deps.producerIds.next()
      m = {
        transactionalId, producerId, previousProducerId: -1, producerEpoch: -1, lastProducerEpoch: -1, timeoutMs,
        state: TxnState.Empty, partitions: new Map(), txnStartTimestamp: -1, txnLastUpdateTimestamp: now,
      }
    }
    if (expectedPid >= 0) {
      // KIP-360: a producer that knows its id/epoch may continue after an error unless fenced.
      const known = m.producerEpoch === -1 || expectedPid === m.producerId || (expectedPid === m.previousProducerId && expectedEpoch >= MAX_EPOCH)
      if (!known) return fail(ErrorCode.PRODUCER_FENCED)
    }
    if (isPrepare(m.state) || m.state === TxnState.Dead) return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
    if (m.state === TxnState.Ongoing) {
      // Fence the current producer: bump the epoch and abort its transaction; the caller retries.
      const next = cloneTxn(m)
      next.lastProducerEpoch = m.producerEpoch
      next.producerEpoch = m.producerEpoch + 1
      if (next.producerEpoch > MAX_EPOCH) next.producerEpoch = m.producerEpoch
      await this.prepareEnd(next, false)
      return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
    }
    const next = cloneTxn(m)
    if (expectedPid >= 0 && m.producerEpoch !== -1 && expectedPid === m.producerId && expectedEpoch !== m.producerEpoch) {
      // A retry of a call that already bumped the epoch gets the same answer; anything else is fenced.
      if (expectedEpoch === m.lastProducerEpoch) return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch }
      return fail(ErrorCode.PRODUCER_FENCED)
    }
    if (m.producerEpoch >= MAX_EPOCH - 1) {
      next.previousProducerId = m.producerId
      next.producerId = await this.deps.producerIds.next()
      next.producerEpoch = 0
      next.lastProducerEpoch = -1
    } else {
      next.lastProducerEpoch = m.producerEpoch
      next.producerEpoch = m.producerEpoch + 1
    }
    next.timeoutMs = timeoutMs
    next.state = TxnState.Empty
    next.partitions = new Map()
    next.txnStartTimestamp = -1
    next.txnLastUpdateTimestamp = now
    await this.persist(next)
    return { errorCode: ErrorCode.NONE, producerId: next.producerId, producerEpoch: next.producerEpoch }
  }

  /**
   * AddPartitionsToTxn (and AddOffsetsToTxn with the group's offsets partition). `verifyOnly`
   * (v4+): report whether each partition is already in the transaction, change nothing.
   */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[],
    verifyOnly = false, clientTransactionVersion = 0): Promise<PartitionResult[]> {
    const all = (code: number) => partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode: code }))
    const gate = this.gate(transactionalId)
    if (gate !== ErrorCode.NONE) return all(gate)
    const unknown = partitions.filter((p) => !this.deps.partitionExists(p.topic, p.partition))
    if (unknown.length > 0) {
      return partitions.map((p) => ({
        topic: p.topic, partition: p.partition,
        errorCode: unknown.includes(p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
      }))
    }
    if (verifyOnly) {
      // A partition leader checking a produce (KIP-890): a read of the durable state, outside the
      // id's chain, so it neither waits behind nor blocks the client's own requests.
      const m = this.txns.get(transactionalId)
      const err = this.checkProducer(m, producerId, producerEpoch)
      if (err !== ErrorCode.NONE) return all(err)
      return partitions.map((p) => ({
        topic: p.topic, partition: p.partition,
        errorCode: m!.state === TxnState.Ongoing && m!.partitions.has(tpKey(p.topic, p.partition)) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE,
      }))
    }
    if (this.inFlight.has(transactionalId)) return all(ErrorCode.CONCURRENT_TRANSACTIONS)
    return this.exclusive(transactionalId, async () => {
      const m = this.txns.get(transactionalId)
      // A producer already on the next id of a transaction still completing: early, not wrong.
      if (m !== undefined && isPrepare(m.state) && (m.nextProducerId ?? -1) === producerId) return all(ErrorCode.CONCURRENT_TRANSACTIONS)
      const err = this.checkProducer(m, producerId, producerEpoch)
      if (err !== ErrorCode.NONE) return all(err)
      if (isPrepare(m!.state)) return all(ErrorCode.CONCURRENT_TRANSACTIONS)
      if (m!.state === TxnState.Ongoing && partitions.every((p) => m!.partitions.has(tpKey(p.topic, p.partition)))) return all(ErrorCode.NONE)
      const now = this.deps.now()
      const next = cloneTxn(m!)
      if (m!.state !== TxnState.Ongoing) {
        next.txnStartTimestamp = now
        next.partitions = new Map()
      }
      for (const p of partitions) next.partitions.set(tpKey(p.topic, p.partition), { topic: p.topic, partition: p.partition })
      if (clientTransactionVersion >= TV2) next.clientTransactionVersion = TV2
      next.state = TxnState.Ongoing
      next.txnLastUpdateTimestamp = now
      try {
        await this.persist(next)
      } catch (e) {
        this.deps.onError?.(e, 'writing transaction state')
        return all(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      }
      return all(ErrorCode.NONE)
    })
  }

  /** EndTxn: answers once the Prepare record is durable; markers and Complete follow. */
  async endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<number> {
    const gate = this.gate(transactionalId)
    if (gate !== ErrorCode.NONE) return gate
    if (this.inFlight.has(transactionalId)) return ErrorCode.CONCURRENT_TRANSACTIONS
    return this.exclusive(transactionalId, async () => {
      const m = this.txns.get(transactionalId)
      const err = this.checkProducer(m, producerId, producerEpoch)
      if (err !== ErrorCode.NONE) return err
      switch (m!.state) {
        case TxnState.Ongoing: {
          try {
            await this.prepareEnd(cloneTxn(m!), commit)
          } catch (e) {
            this.deps.onError?.(e, 'writing transaction state')
            return ErrorCode.COORDINATOR_NOT_AVAILABLE
          }
          return ErrorCode.NONE
        }
        case TxnState.CompleteCommit:
          return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE
        case TxnState.CompleteAbort:
          return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE
        case TxnState.PrepareCommit:
          return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE
        case TxnState.PrepareAbort:
          return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS
        default:
          return ErrorCode.INVALID_TXN_STATE
      }
    })
  }

  /**
   * EndTxn v5+ (transaction version 2): the epoch is bumped at every end; the answer carries the
   * identity the producer continues with. Answered once the Prepare record is durable.
   */
  async endTxnV2(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<InitResult> {
    const gate = this.gate(transactionalId)
    if (gate !== ErrorCode.NONE) return fail(gate)
    if (this.inFlight.has(transactionalId)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS)
    return this.exclusive(transactionalId, async () => {
      const d = decideEndTxnV2(this.txns.get(transactionalId), producerId, producerEpoch, commit, this.deps.now())
      if (d.kind === 'error') return fail(d.errorCode)
      if (d.kind === 'done') return { errorCode: ErrorCode.NONE, producerId: d.producerId, producerEpoch: d.producerEpoch }
      try {
        if (d.needsNextProducerId) d.next.nextProducerId = await this.deps.producerIds.next()
        await this.prepareEnd(d.next, d.next.state === TxnState.PrepareCommit)
      } catch (e) {
        this.deps.onError?.(e, 'writing transaction state')
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE)
      }
      return { errorCode: ErrorCode.NONE, ...identityAfter(d.next) }
    })
  }

  /**
   * Checks a TxnOffsetCommit's producer against the transaction: the group's offsets partition
   * must have been added (AddOffsetsToTxn) and the transaction be ongoing.
   */
  checkTxnMember(transactionalId: string, producerId: number, producerEpoch: number): number {
    const gate = this.gate(transactionalId)
    if (gate !== ErrorCode.NONE) return gate
    const m = this.txns.get(transactionalId)
    const err = this.checkProducer(m, producerId, producerEpoch)
    if (err === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH
    if (err !== ErrorCode.NONE) return err
    return ErrorCode.NONE
  }

  /**
   * Whether a transactional produce may go to `topic`-`partition`: NONE when the producer's
   * transaction is ongoing and includes it, INVALID_PRODUCER_EPOCH for a fenced epoch,
   * INVALID_TXN_STATE otherwise; undefined while loading (not known yet).
   */
  verifyPartition(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): number | undefined {
    if (this.loading) return undefined
    const m = this.txns.get(transactionalId)
    if (m !== undefined && m.producerId === producerId && producerEpoch < m.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH
    const ok = m !== undefined && m.producerId === producerId && m.producerEpoch === producerEpoch && m.state === TxnState.Ongoing &&
      m.partitions.has(tpKey(topic, partition))
    return ok ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE
  }

  // ------------------------------------------------------------------ background duties

  /** Aborts transactions open longer than their timeout (bumping the epoch fences the producer). */
  abortTimedOut(now = this.deps.now()): string[] {
    if (this.loading || this.closed) return []
    const expired: string[] = []
    for (const m of this.txns.values()) {
      // An id with a pending operation is left to it; the next round looks again (Kafka skips it too).
      if (this.chains.has(m.transactionalId)) continue
      if (m.state === TxnState.Ongoing && m.txnStartTimestamp >= 0 && now > m.txnStartTimestamp + m.timeoutMs) expired.push(m.transactionalId)
    }
    for (const id of expired) {
      this.track(this.serial(id, async () => {
        const m = this.txns.get(id)
        if (!m || m.state !== TxnState.Ongoing || now <= m.txnStartTimestamp + m.timeoutMs) return
        const next = cloneTxn(m)
        if (m.producerEpoch < MAX_EPOCH) {
          next.lastProducerEpoch = m.producerEpoch
          next.producerEpoch = m.producerEpoch + 1
        } else if ((m.clientTransactionVersion ?? 0) >= TV2) {
          // Transaction version 2 fences with the last epoch and moves the producer to a new id.
          next.lastProducerEpoch = m.producerEpoch
          next.producerEpoch = m.producerEpoch + 1
          next.nextProducerId = await this.deps.producerIds.next()
        }
        await this.prepareEnd(next, false)
      }))
    }
    return expired
  }

  /** Removes transactional ids idle for transactional.id.expiration.ms (writes tombstones). */
  expireTransactionalIds(now = this.deps.now()): string[] {
    if (this.loading || this.closed) return []
    const ids: string[] = []
    for (const m of this.txns.values()) {
      const idle = (m.state === TxnState.Empty || isComplete(m.state)) && !this.chains.has(m.transactionalId)
      if (idle && now - m.txnLastUpdateTimestamp >= this.deps.config.idExpirationMs) ids.push(m.transactionalId)
    }
    for (const id of ids) {
      this.track(this.serial(id, async () => {
        const m = this.txns.get(id)
        if (!m || !(m.state === TxnState.Empty || isComplete(m.state))) return
        if (now - m.txnLastUpdateTimestamp < this.deps.config.idExpirationMs) return
        await this.deps.appendLog(this.partitionFor(id), encodeTxnKey(id), null)
        this.txns.delete(id)
      }))
    }
    return ids
  }

  /** Resolves when no background completion is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background])
  }

  close(): void {
    this.closed = true
  }

  // ------------------------------------------------------------------ internals

  private gate(transactionalId: string): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (this.resigned.has(this.partitionFor(transactionalId))) return ErrorCode.NOT_COORDINATOR
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    return ErrorCode.NONE
  }

  private checkProducer(m: TxnMetadata | undefined, producerId: number, producerEpoch: number): number {
    if (!m || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED
    return ErrorCode.NONE
  }

  /** Writes the Prepare record (state applied once durable) and queues the completion. */
  private async prepareEnd(next: TxnMetadata, commit: boolean): Promise<void> {
    next.state = commit ? TxnState.PrepareCommit : TxnState.PrepareAbort
    next.txnLastUpdateTimestamp = this.deps.now()
    await this.persist(next)
    const id = next.transactionalId
    this.track(this.serial(id, () => this.complete(id)))
  }

  /** Markers into every partition, then the Complete record. Retries until it succeeds or closes. */
  private async complete(id: string): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const m = this.txns.get(id)
      if (!m || !(m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort)) return
      const commit = m.state === TxnState.PrepareCommit
      try {
        await this.deps.writeMarkers(m.producerId, m.producerEpoch, commit, [...m.partitions.values()], id)
        await this.deps.onComplete?.(m.producerId, m.producerEpoch, commit)
        const next = cloneTxn(m)
        next.state = commit ? TxnState.CompleteCommit : TxnState.CompleteAbort
        next.partitions = new Map()
        if ((m.nextProducerId ?? -1) >= 0) {
          // Transaction version 2 over an exhausted epoch: the producer goes on as the next id.
          next.previousProducerId = m.producerId
          next.producerId = m.nextProducerId!
          next.producerEpoch = 0
          next.lastProducerEpoch = MAX_EPOCH
          next.nextProducerId = -1
        }
        next.txnLastUpdateTimestamp = this.deps.now()
        await this.persist(next)
        return
      } catch (e) {
        this.deps.onError?.(e, `completing transaction ${id}`)
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)))
      }
    }
  }

  private async persist(next: TxnMetadata): Promise<void> {
    const id = next.transactionalId
    await this.deps.appendLog(this.partitionFor(id), encodeTxnKey(id), encodeTxnValue(next))
    this.txns.set(id, next)
  }

  /** A client request: runs in the id's chain, marked in flight until it has answered. */
  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.inFlight.add(id)
    try {
      return await this.serial(id, fn)
    } finally {
      this.inFlight.delete(id)
    }
  }

  /** Runs `fn` after every earlier operation on `id`. */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => {})
    this.chains.set(id, tail)
    void tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id)
    })
    return run
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch((e) => this.deps.onError?.(e, 'transaction coordinator background work'))
    this.background.add(t)
    void t.finally(() => this.background.delete(t))
  }
}
