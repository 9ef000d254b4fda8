// The cluster's metadata store: the MetadataStore interface on etcd v3 (revisions, compare-and-swap
// transactions, leases and prefix watches are etcd's own). Every key lives under the
// `etcd.connect` prefix. Two things etcd does not give a client for free are done here:
// - A transaction that timed out or lost its connection may still have committed. Each one runs
//   inside an outer transaction guarded by a "slot" key only this store instance writes, and its
//   executed branch stamps the slot with the transaction's sequence number; an uncertain outcome
//   is resolved by re-reading the slot before retrying, and the guard makes a retry apply at most
//   once (etcd nests transactions since 3.3).
// - Lease ids are chosen here below 2^48, so they survive as JavaScript numbers.
// Transient failures (deadline, no leader, member down) are retried a few times, then reported as
// MetadataUnavailableError naming etcd's reason.
import { randomBytes, randomInt } from 'node:crypto'
import type { ICompare, IRequestOp, ITxnRequest } from 'etcd3'
import { LeaseNotFoundError, StoreClosedError } from './metadata-store.ts'
import type { Compare, MetadataStore, Op, RangeResult, Txn, TxnResult, Watch, WatchBatch, WatchOptions } from './metadata-store.ts'
import { openEtcdClient } from './etcd-client.ts'
import type { EtcdClient, EtcdClientOptions } from './etcd-client.ts'
import type { EtcdConnect } from './etcd-connect.ts'
import { EtcdWatch, toKeyValue } from './etcd-watch.ts'

/**
 * etcd is unreachable, has no quorum, or did not answer in time; the message says which. Kafka
 * clients see REQUEST_TIMED_OUT (retriable), as when Kafka's controller does not answer.
 */
export class MetadataUnavailableError extends Error {
  readonly code = 'REQUEST_TIMED_OUT'
  constructor(message: string, cause?: unknown) {
    super(message, { cause })
    this.name = 'MetadataUnavailableError'
  }
}

export interface EtcdStoreOptions extends EtcdClientOptions {
  /**
   * Tries of a call that failed for a transient reason (default: 3, or twice the members: etcd3
   * picks a member at random per try, so a dead one may be picked more than once).
   */
  readonly attempts?: number
  /** No new try starts after this long (default 6000 ms): a clear error beats a long stall. */
  readonly retryBudgetMs?: number
  /** Told about connection trouble that the store rides out by itself (watch reconnects). */
  readonly onTrouble?: (err: unknown) => void
}

/** Transactions in flight at once (each holds one slot key). */
const TXN_SLOTS = 16
const RETRY_DELAY_MS = 250
const LEASE_ID_LIMIT = 2 ** 48

interface Slot {
  readonly key: Buffer
  /** The slot's value as last written by us; null before the first write (compare version 0). */
  value: string | null
}

/** The smallest key greater than every key starting with `prefix` (etcd's prefix range end). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++
      return end.subarray(0, i + 1)
    }
  }
  return Buffer.from([0])
}

/** Errors etcd returns before applying anything: retrying cannot help and nothing committed. */
function definite(err: unknown): Error | undefined {
  if (err instanceof LeaseNotFoundError) return err
  const message = (err as Error)?.message ?? String(err)
  if (/requested lease not found|lease not found/i.test(message)) return err as Error
  if (/too many operations in txn|request is too large|lease already exists|duplicate key|invalid argument|permission denied/i.test(message)) {
    return new Error(`etcd refused the request: ${message}`)
  }
  return undefined
}

export class EtcdMetadataStore implements MetadataStore {
  /** Room under etcd's default --max-txn-ops (128) for a few compares and our slot stamp. */
  readonly maxPutsPerTxn = 100
  private readonly slots: Slot[] = []
  private readonly freeSlots: number[] = []
  private readonly slotWaiters: ((slot: number) => void)[] = []
  private readonly watches = new Set<EtcdWatch>()
  private seq = 0
  /** The newest store revision any answer showed (a watch without a start revision begins after it). */
  private lastRevision = 0
  private closed = false
  private readonly attempts: number

  private constructor(private readonly client: EtcdClient, readonly spec: EtcdConnect, private readonly opts: EtcdStoreOptions) {
    this.attempts = opts.attempts ?? Math.max(3, 2 * spec.hosts.length)
    const id = randomBytes(9).toString('base64url')
    for (let i = 0; i < TXN_SLOTS; i++) {
      this.slots.push({ key: Buffer.from(`${spec.prefix}!txn/${id}/${i}`), value: null })
      this.freeSlots.push(i)
    }
  }

  /** Connects and proves etcd answers (one read), else throws MetadataUnavailableError. */
  static async connect(spec: EtcdConnect, opts: EtcdStoreOptions = {}): Promise<EtcdMetadataStore> {
    const client = await openEtcdClient(spec, opts)
    const store = new EtcdMetadataStore(client, spec, opts)
    try {
      // Retried like every read: a member that just started (or one of several that is down) may
      // refuse the first try; only a budget's worth of failures means etcd is not there.
      const res = await store.retrying('read', () => client.etcd.kv.range({ key: store.key('/'), range_end: prefixEnd(store.key('/')), count_only: true }))
      store.saw(res.header.revision)
    } catch (err) {
      client.etcd.close()
      throw new MetadataUnavailableError(`cannot reach etcd at ${spec.hosts.join(',')}: ${(err as Error).message}`, err)
    }
    return store
  }

  private key(key: string): Buffer {
    if (!key.startsWith('/')) throw new Error(`metadata keys start with '/': ${key}`)
    return Buffer.from(this.spec.prefix + key)
  }

  private saw(revision: string): void {
    const r = Number(revision)
    if (r > this.lastRevision) this.lastRevision = r
  }

  private unprefix = (key: Buffer): string => key.toString().slice(this.spec.prefix.length)

  /** Runs an idempotent call, retrying transient failures. */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const start = Date.now()
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new StoreClosedError()
      try {
        return await fn()
      } catch (err) {
        const d = definite(err)
        if (d) throw d
        if (this.givingUp(attempt, start)) throw this.unavailable(what, err)
        await sleep(RETRY_DELAY_MS * attempt)
      }
    }
  }

  private givingUp(attempt: number, start: number): boolean {
    return attempt >= this.attempts || (attempt >= 2 && Date.now() - start >= (this.opts.retryBudgetMs ?? 6000))
  }

  private unavailable(what: string, err: unknown): MetadataUnavailableError {
    this.opts.onTrouble?.(err)
    return new MetadataUnavailableError(`metadata store unavailable (etcd at ${this.spec.hosts.join(',')} has no quorum or does not answer): ${what} failed: ${(err as Error)?.message ?? String(err)}`, err)
  }

  async range(prefix: string): Promise<RangeResult> {
    const start = this.key(prefix === '' ? '/' : prefix)
    const res = await this.retrying('read', () => this.client.etcd.kv.range({ key: start, range_end: prefixEnd(start) }))
    this.saw(res.header.revision)
    return { revision: Number(res.header.revision), kvs: res.kvs.map((kv) => toKeyValue(kv, this.unprefix(kv.key))) }
  }

  async txn(txn: Txn): Promise<TxnResult> {
    if (this.closed) throw new StoreClosedError()
    const index = await this.acquireSlot()
    try {
      return await this.slotTxn(this.slots[index]!, txn)
    } finally {
      this.releaseSlot(index)
    }
  }

  private async slotTxn(slot: Slot, txn: Txn): Promise<TxnResult> {
    const mark = `${++this.seq}`
    const branch = (ops: readonly Op[], tag: string): IRequestOp[] =>
      ops.length === 0 ? [] : [...ops.map((op) => this.op(op)), { request_put: { key: slot.key, value: Buffer.from(mark + tag) } }]
    const inner: ITxnRequest = {
      compare: (txn.compare ?? []).map((c) => this.compare(c)),
      success: branch(txn.success, 's'),
      failure: branch(txn.failure ?? [], 'f'),
    }
    const start = Date.now()
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new StoreClosedError()
      const guard: ICompare = slot.value === null
        ? { key: slot.key, target: 'Version', result: 'Equal', version: 0 }
        : { key: slot.key, target: 'Value', result: 'Equal', value: Buffer.from(slot.value) }
      try {
        const res = await this.client.etcd.kv.txn({ compare: [guard], success: [{ request_txn: inner }] })
        if (res.succeeded) {
          const ok = res.responses[0]!.response_txn.succeeded
          if ((ok ? txn.success : txn.failure ?? []).length > 0) slot.value = mark + (ok ? 's' : 'f')
          this.saw(res.header.revision)
          return { succeeded: ok, revision: Number(res.header.revision) }
        }
        // The guard failed: an earlier try of this transaction (or of one that timed out before)
        // committed meanwhile. The slot says which.
        const known = await this.readSlot(slot, mark)
        if (known) return known
      } catch (err) {
        const d = definite(err)
        if (d) throw d instanceof Error && /lease not found/i.test(d.message) ? this.leaseError(txn) : d
        if (this.givingUp(attempt, start)) throw this.unavailable('write (outcome unknown)', err)
        await sleep(RETRY_DELAY_MS * attempt)
        // It may have committed: re-read before retrying.
        try {
          const known = await this.readSlot(slot, mark)
          if (known) return known
        } catch {
          // Still unreachable: the next try's guard keeps it at most once.
        }
      }
    }
  }

  /** The outcome of transaction `mark` when the slot shows it, else learns the slot's value. */
  private async readSlot(slot: Slot, mark: string): Promise<TxnResult | undefined> {
    const res = await this.client.etcd.kv.range({ key: slot.key })
    const kv = res.kvs[0]
    const value = kv?.value.toString() ?? null
    if (kv && (value === `${mark}s` || value === `${mark}f`)) {
      slot.value = value
      return { succeeded: value.endsWith('s'), revision: Number(kv.mod_revision) }
    }
    slot.value = value
    return undefined
  }

  private leaseError(txn: Txn): Error {
    const ops = [...txn.success, ...(txn.failure ?? [])]
    const lease = ops.find((o) => o.type === 'put' && o.lease)
    return new LeaseNotFoundError(lease?.type === 'put' ? lease.lease ?? 0 : 0)
  }

  private op(op: Op): IRequestOp {
    switch (op.type) {
      case 'put': return { request_put: { key: this.key(op.key), value: Buffer.from(op.value), ...(op.lease ? { lease: op.lease } : {}) } }
      case 'delete': return { request_delete_range: { key: this.key(op.key) } }
      case 'deletePrefix': {
        const start = this.key(op.prefix === '' ? '/' : op.prefix)
        return { request_delete_range: { key: start, range_end: prefixEnd(start) } }
      }
    }
  }

  private compare(c: Compare): ICompare {
    const key = this.key(c.key)
    switch (c.target) {
      case 'version': return { key, target: 'Version', result: 'Equal', version: c.equals }
      case 'modRevision': return { key, target: 'Mod', result: 'Equal', mod_revision: c.equals }
      case 'createRevision': return { key, target: 'Create', result: 'Equal', create_revision: c.equals }
      case 'value': return { key, target: 'Value', result: 'Equal', value: Buffer.from(c.equals) }
    }
  }

  private acquireSlot(): Promise<number> {
    const free = this.freeSlots.pop()
    if (free !== undefined) return Promise.resolve(free)
    return new Promise((resolve) => this.slotWaiters.push(resolve))
  }

  private releaseSlot(index: number): void {
    const waiter = this.slotWaiters.shift()
    if (waiter) waiter(index)
    else this.freeSlots.push(index)
  }

  async grantLease(ttlMs: number): Promise<number> {
    const ttl = Math.max(1, Math.ceil(ttlMs / 1000))
    for (let attempt = 1; ; attempt++) {
      const id = randomInt(1, LEASE_ID_LIMIT)
      try {
        // Granting twice is harmless (an unused lease expires), so a retry needs no re-read.
        await this.retrying('lease grant', () => this.client.etcd.leaseClient.leaseGrant({ ID: id, TTL: ttl }))
        return id
      } catch (err) {
        if (attempt < 3 && /lease already exists/i.test((err as Error).message)) continue
        throw err
      }
    }
  }

  /** One keep-alive exchange on a stream that ends by deadline; TTL 0 means the lease is gone. */
  async keepAlive(lease: number): Promise<void> {
    await this.retrying('lease keep-alive', async () => {
      const stream = await this.client.etcd.leaseClient.leaseKeepAlive(this.client.deadline(this.client.callTimeoutMs))
      return new Promise<void>((resolve, reject) => {
        let done = false
        const finish = (err?: Error): void => {
          if (done) return
          done = true
          stream.cancel()
          if (err) reject(err)
          else resolve()
        }
        stream.on('data', (res) => finish(res.TTL === '0' || Number(res.TTL) <= 0 ? new LeaseNotFoundError(lease) : undefined))
        stream.on('error', (err) => finish(err))
        stream.on('end', () => finish(new Error('etcd ended the keep-alive stream')))
        stream.write({ ID: lease })
      })
    })
  }

  async revokeLease(lease: number): Promise<void> {
    try {
      await this.retrying('lease revoke', () => this.client.etcd.leaseClient.leaseRevoke({ ID: lease }))
    } catch (err) {
      if (!(err instanceof LeaseNotFoundError) && !/lease not found/i.test((err as Error).message)) throw err
    }
  }

  watch(prefix: string, onBatch: (batch: WatchBatch) => void, opts: WatchOptions = {}): Watch {
    if (this.closed) throw new StoreClosedError()
    const key = this.key(prefix === '' ? '/' : prefix)
    const w: EtcdWatch = new EtcdWatch(this.client, {
      key,
      rangeEnd: prefixEnd(key),
      unprefix: this.unprefix,
      currentRevision: async () => this.lastRevision || Number((await this.client.etcd.kv.range({ key, range_end: prefixEnd(key), count_only: true })).header.revision),
    }, onBatch, {
      ...opts,
      onError: (err) => {
        this.watches.delete(w)
        opts.onError?.(err)
      },
    }, (err) => this.opts.onTrouble?.(err))
    this.watches.add(w)
    return {
      cancel: () => {
        this.watches.delete(w)
        w.cancel()
      },
    }
  }

  /** Cancels watches, removes this instance's slot keys (best effort) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return
    const used = this.slots.filter((s) => s.value !== null)
    this.closed = true
    for (const w of this.watches) w.cancel()
    this.watches.clear()
    if (used.length > 0) {
      await this.client.etcd.kv.txn({ success: used.map((s) => ({ request_delete_range: { key: s.key } })) }).catch(() => {})
    }
    this.client.etcd.close()
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
