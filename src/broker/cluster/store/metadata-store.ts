// The metadata store: a small etcd-shaped key-value interface that holds the cluster's metadata
// (cluster id, brokers, topics, partition states). Everything above it (loader, image, controller)
// uses only this interface, so the single-node file store, the in-memory store (tests, embedding)
// and an etcd store (cluster) are interchangeable. Semantics follow etcd v3: one global revision
// that every write transaction increments once; per key a create revision, a mod revision and a
// version (writes since creation); leases with a TTL that delete their keys when they lapse; watches
// by prefix from a revision that deliver each transaction's events together and in order.

export interface KeyValue {
  readonly key: string
  readonly value: string
  /** Revision of the transaction that created the key (since its last deletion). */
  readonly createRevision: number
  /** Revision of the transaction that last wrote the key. */
  readonly modRevision: number
  /** Writes since creation: 1 after the first put; 0 means "absent" in comparisons. */
  readonly version: number
  /** The lease the key is attached to (0: none). */
  readonly lease: number
}

export interface RangeResult {
  /** The store's revision at the time of the read: watch from `revision + 1` to miss nothing. */
  readonly revision: number
  /** Keys in ascending order. */
  readonly kvs: readonly KeyValue[]
}

/** A condition of a transaction. An absent key has version 0, mod and create revision 0. */
export type Compare =
  | { readonly key: string, readonly target: 'version' | 'modRevision' | 'createRevision', readonly equals: number }
  | { readonly key: string, readonly target: 'value', readonly equals: string }

export type Op =
  | { readonly type: 'put', readonly key: string, readonly value: string, readonly lease?: number }
  | { readonly type: 'delete', readonly key: string }
  | { readonly type: 'deletePrefix', readonly prefix: string }

export interface Txn {
  readonly compare?: readonly Compare[]
  /** Applied when every comparison holds. */
  readonly success: readonly Op[]
  /** Applied otherwise. */
  readonly failure?: readonly Op[]
}

export interface TxnResult {
  readonly succeeded: boolean
  /** The store revision after the transaction (unchanged when it wrote nothing). */
  readonly revision: number
}

export interface WatchEvent {
  readonly type: 'put' | 'delete'
  /** For a delete: the key with an empty value and the deleting revision as modRevision. */
  readonly kv: KeyValue
  /** The key's previous state, when it existed. */
  readonly prev?: KeyValue
}

/** The events of one transaction (all share its revision). */
export interface WatchBatch {
  readonly revision: number
  readonly events: readonly WatchEvent[]
}

export interface Watch {
  cancel(): void
}

export interface WatchOptions {
  /** First revision to deliver (default: the next one). */
  readonly fromRevision?: number
  /** Called when the watch cannot continue (history compacted, store closed, connection lost). */
  readonly onError?: (err: Error) => void
}

export interface MetadataStore {
  /**
   * Most puts a caller should put in one transaction (etcd refuses more than --max-txn-ops, 128
   * by default); undefined: no limit. Writers split larger changes.
   */
  readonly maxPutsPerTxn?: number
  /** Every key starting with `prefix` ('' = all), with the revision they were read at. */
  range(prefix: string): Promise<RangeResult>
  /** Applies `success` when every `compare` holds, else `failure`; atomically, one revision. */
  txn(txn: Txn): Promise<TxnResult>
  /** A new lease that lapses `ttlMs` after its last keep-alive; returns its id (> 0). */
  grantLease(ttlMs: number): Promise<number>
  /** Renews a lease. Rejects with LeaseNotFoundError when it has lapsed. */
  keepAlive(lease: number): Promise<void>
  /** Ends a lease now, deleting its keys. */
  revokeLease(lease: number): Promise<void>
  /**
   * Delivers, in revision order, every later transaction that touched a key under `prefix`
   * (only that part of each transaction). Batches are delivered asynchronously, never re-entrantly.
   */
  watch(prefix: string, onBatch: (batch: WatchBatch) => void, opts?: WatchOptions): Watch
  close(): Promise<void>
}

export class LeaseNotFoundError extends Error {
  constructor(lease: number) {
    super(`lease ${lease} not found (expired or revoked)`)
    this.name = 'LeaseNotFoundError'
  }
}

export class CompactedError extends Error {
  constructor(revision: number, compacted: number) {
    super(`revision ${revision} has been compacted (oldest kept: ${compacted})`)
    this.name = 'CompactedError'
  }
}

export class StoreClosedError extends Error {
  constructor() {
    super('metadata store is closed')
    this.name = 'StoreClosedError'
  }
}
