// The coordinator's side of transaction markers (Kafka's TransactionMarkerChannelManager and
// TransactionMarkerRequestCompletionHandler): once a transaction is PrepareCommit/PrepareAbort,
// each of its partitions gets a marker from that partition's current leader. Partitions are
// grouped by leader (from the metadata image, looked up again every round): the ones this broker
// leads are appended here directly, the others go as one WriteTxnMarkers request per broker. A
// partition is done on NONE, or when a newer producer epoch / coordinator already wrote there
// (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED: this transaction's marker is moot), or
// when its topic is gone. Anything else — no leader yet, NOT_LEADER_OR_FOLLOWER, not enough
// replicas, a timeout, a refused or dropped connection — is retried with backoff until every
// partition is done; only then may the coordinator write CompleteCommit/CompleteAbort. Sending
// stops when this broker no longer coordinates the transactional id in the same epoch (the new
// coordinator finishes the transaction after replaying it).
import { ErrorCode, errorInfo } from '../../../protocol/errors.ts'
import type { MetadataImage } from '../../cluster/metadata-image.ts'
import type { TopicPartition } from './txn-metadata.ts'
import type { MarkerResult, TxnMarker } from './txn-marker-append.ts'

/** This coordinator stopped owning the transaction (resigned, moved, closed) before its markers were written. */
export class MarkersAbandonedError extends Error {
  constructor(transactionalId: string, why: string) {
    super(`markers of transaction ${transactionalId} abandoned: ${why}`)
    this.name = 'MarkersAbandonedError'
  }
}

export interface TxnMarkerChannelDeps {
  readonly nodeId: number
  image(): MetadataImage
  /** Appends markers to partitions this broker leads (txn-marker-append.ts). */
  appendLocal(marker: TxnMarker, partitions: readonly TopicPartition[]): Promise<MarkerResult[]>
  /** WriteTxnMarkers to another broker; rejects when the request could not be completed. */
  sendRemote(brokerId: number, marker: TxnMarker, partitions: readonly TopicPartition[]): Promise<MarkerResult[]>
  /** Whether this broker still coordinates `transactionalId` in `coordinatorEpoch`. */
  stillCoordinator(transactionalId: string, coordinatorEpoch: number): boolean
  /** Waits `ms` (the broker clock's timers; tests inject their own). */
  sleep(ms: number): Promise<void>
  onRetry?(transactionalId: string, pending: number, reason: string): void
}

/** Errors after which a partition needs no marker from this transaction. */
const DONE = new Set<number>([
  ErrorCode.NONE,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
  // The producer could not have written there (Kafka drops the partition from the pending set too).
  ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ErrorCode.UNSUPPORTED_VERSION,
])

const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`

export class TxnMarkerChannelManager {
  private closed = false

  constructor(private readonly deps: TxnMarkerChannelDeps, private readonly backoff = { initialMs: 50, maxMs: 1000 }) {}

  /**
   * Resolves once every partition has its marker (or needs none); rejects with
   * MarkersAbandonedError when this broker stops coordinating the transaction first.
   */
  async writeMarkers(transactionalId: string, marker: TxnMarker, partitions: readonly TopicPartition[]): Promise<void> {
    const pending = new Map(partitions.map((tp) => [key(tp), tp]))
    for (let round = 0; pending.size > 0; round++) {
      if (this.closed) throw new MarkersAbandonedError(transactionalId, 'shutting down')
      if (!this.deps.stillCoordinator(transactionalId, marker.coordinatorEpoch)) {
        throw new MarkersAbandonedError(transactionalId, `no longer its coordinator in epoch ${marker.coordinatorEpoch}`)
      }
      const reasons = await this.sendRound(marker, pending)
      if (pending.size === 0) return
      this.deps.onRetry?.(transactionalId, pending.size, [...reasons].join(', '))
      await this.deps.sleep(Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(round, 10)))
    }
  }

  /** One attempt for every pending partition; removes the done ones, returns why others are left. */
  private async sendRound(marker: TxnMarker, pending: Map<string, TopicPartition>): Promise<Set<string>> {
    const image = this.deps.image()
    const reasons = new Set<string>()
    const byLeader = new Map<number, TopicPartition[]>()
    for (const [k, tp] of pending) {
      const state = image.partition(tp.topic, tp.partition)
      if (!state) {
        // Deleted since it joined the transaction: nobody will ever read a marker there.
        pending.delete(k)
        continue
      }
      // A single node registers no broker record: its own partitions need none.
      if (state.leader < 0 || (state.leader !== this.deps.nodeId && !image.brokers.has(state.leader))) {
        reasons.add(`${tp.topic}-${tp.partition} has no live leader`)
        continue
      }
      let list = byLeader.get(state.leader)
      if (!list) byLeader.set(state.leader, list = [])
      list.push(tp)
    }
    await Promise.all([...byLeader].map(async ([leader, tps]) => {
      let results: MarkerResult[]
      try {
        results = leader === this.deps.nodeId
          ? await this.deps.appendLocal(marker, tps)
          : await this.deps.sendRemote(leader, marker, tps)
      } catch (err) {
        reasons.add(`broker ${leader}: ${(err as Error)?.message ?? String(err)}`)
        return
      }
      for (const r of results) {
        const k = key(r)
        if (!pending.has(k)) continue
        if (DONE.has(r.errorCode)) pending.delete(k)
        else reasons.add(`${r.topic}-${r.partition}: ${errorInfo(r.errorCode).name}`)
      }
    }))
    return reasons
  }

  close(): void {
    this.closed = true
  }
}
