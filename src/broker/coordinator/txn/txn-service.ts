// The transaction coordinator inside a broker (FindCoordinator key type 1): `__transaction_state`
// is an internal compacted topic (created on first use by the topic service), written through
// the replica manager's coordinator append and replayed at start-up, after which transactions
// left in PrepareCommit/PrepareAbort are completed. Markers go straight into the partitions'
// logs as control batches; a marker in a __consumer_offsets partition also completes the
// producer's pending transactional offsets there (pending-offsets.ts). Timeout aborts and
// transactional id expiry run on the broker clock.
import { join } from 'node:path'
import { ErrorCode } from '../../../protocol/errors.ts'
import { buildRecordBatch } from '../../../protocol/records/index.ts'
import { ControlRecordType, buildEndTxnMarkerBatch } from '../../../protocol/records/control-record.ts'
import { isStorageError } from '../../../storage/errors.ts'
import { unlinkIfExists } from '../../../storage/fs-util.ts'
import type { BrokerContext } from '../../context.ts'
import { CONSUMER_OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../../cluster/topic-names.ts'
import { groupServiceOf } from '../group/group-of.ts'
import { pendingTxnOffsetsOf } from './pending-offsets.ts'
import { ProducerIdManager } from './producer-id-manager.ts'
import type { ProducerIdSource } from './producer-id-manager.ts'
import { TxnCoordinator } from './txn-coordinator.ts'
import { replayPartition } from '../replay-partition.ts'
import type { TopicPartition } from './txn-metadata.ts'

/** Where an earlier version kept pending transactional offsets (they now live in __consumer_offsets). */
const LEGACY_PENDING_OFFSETS_FILE = 'txn-pending-offsets.json'

export const COORDINATOR_KEY_TYPE_TRANSACTION = 1

/** Lazily opened: the data dir is read once, on first id. */
class LazyIds implements ProducerIdSource {
  private manager: Promise<ProducerIdManager> | undefined
  constructor(private readonly dataDir: string) {}
  next(): Promise<number> {
    this.manager ??= ProducerIdManager.open(this.dataDir)
    return this.manager.then((m) => m.next())
  }
}

export class TxnCoordinatorService {
  readonly keyType = COORDINATOR_KEY_TYPE_TRANSACTION
  readonly coordinator: TxnCoordinator
  private topicReady: Promise<void> | null = null
  private loaded: Promise<void> | null = null
  private stops: (() => void)[] = []
  private started = false

  constructor(private readonly ctx: BrokerContext) {
    const existing = ctx.metadata.topic(TRANSACTION_STATE_TOPIC)
    const logPartitions = existing?.partitions ?? ctx.config.int('transaction.state.log.num.partitions')
    this.coordinator = new TxnCoordinator({
      config: {
        logPartitions,
        maxTimeoutMs: ctx.config.int('transaction.max.timeout.ms'),
        idExpirationMs: ctx.config.int('transactional.id.expiration.ms'),
      },
      now: () => ctx.clock.now(),
      appendLog: (partition, key, value) => this.appendLog(partition, key, value),
      writeMarkers: (pid, epoch, commit, partitions) => this.writeMarkers(pid, epoch, commit, partitions),
      producerIds: new LazyIds(ctx.config.dataDir),
      partitionExists: (topic, partition) => ctx.replicas.partition(topic, partition) !== undefined,
      onError: (err, what) => ctx.log.warn({ err }, `transaction coordinator: ${what}`),
    })
  }

  start(): void {
    if (this.started) return
    this.started = true
    const c = this.ctx.config
    this.stops.push(this.ctx.clock.every(c.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'), () => {
      this.coordinator.abortTimedOut()
    }))
    this.stops.push(this.ctx.clock.every(c.int('transaction.remove.expired.transaction.cleanup.interval.ms'), () => {
      this.coordinator.expireTransactionalIds()
    }))
    void unlinkIfExists(join(c.dataDir, LEGACY_PENDING_OFFSETS_FILE)).catch(() => {})
    this.loaded = this.load().catch((err) => {
      this.ctx.log.error({ err }, 'loading __transaction_state failed')
      this.coordinator.recover()
    })
  }

  whenLoaded(): Promise<void> {
    return this.loaded ?? Promise.resolve()
  }

  async locate(_key: string): Promise<number> {
    try {
      await this.ensureTopic()
      await this.whenLoaded()
      return ErrorCode.NONE
    } catch (err) {
      this.ctx.log.warn({ err }, 'cannot create __transaction_state')
      return ErrorCode.COORDINATOR_NOT_AVAILABLE
    }
  }

  async close(): Promise<void> {
    for (const stop of this.stops) stop()
    this.stops = []
    this.coordinator.close()
  }

  // ------------------------------------------------------------------ effects

  private ensureTopic(): Promise<void> {
    this.topicReady ??= (async () => {
      const topic = await this.ctx.topics.ensureInternalTopic(TRANSACTION_STATE_TOPIC)
      if (topic.partitions !== this.coordinator.config.logPartitions) {
        throw new Error(`__transaction_state has ${topic.partitions} partitions, expected ${this.coordinator.config.logPartitions}`)
      }
    })()
    this.topicReady.catch(() => {
      this.topicReady = null
    })
    return this.topicReady
  }

  private async appendLog(partition: number, key: Buffer, value: Buffer | null): Promise<void> {
    await this.ensureTopic()
    const p = this.ctx.replicas.partition(TRANSACTION_STATE_TOPIC, partition)
    if (!p) throw new Error(`${TRANSACTION_STATE_TOPIC}-${partition} is not hosted here`)
    const now = this.ctx.clock.now()
    await p.appendAsCoordinator(buildRecordBatch({ baseTimestamp: now, records: [{ key, value, timestamp: now }] }))
  }

  private async writeMarkers(pid: number, epoch: number, commit: boolean, partitions: readonly TopicPartition[]): Promise<void> {
    const now = this.ctx.clock.now()
    await Promise.all(partitions.map(async (tp) => {
      const offsets = tp.topic === CONSUMER_OFFSETS_TOPIC
      // The group loader must have seen this producer's pending offsets before the marker lands.
      if (offsets) await groupServiceOf(this.ctx).whenLoaded()
      const p = this.ctx.replicas.partition(tp.topic, tp.partition)
      if (!p) return // deleted since it joined the transaction
      const marker = buildEndTxnMarkerBatch({
        type: commit ? ControlRecordType.Commit : ControlRecordType.Abort,
        producerId: pid,
        producerEpoch: epoch,
        coordinatorEpoch: 0,
        timestamp: now,
      })
      try {
        await p.appendAsCoordinator(marker)
        if (offsets) {
          // Replayed right after the append, in log order, as a restart's load would.
          const groups = groupServiceOf(this.ctx).coordinator
          for (const r of pendingTxnOffsetsOf(this.ctx).complete(tp.partition, pid, commit)) groups.replay(r)
        }
      } catch (err) {
        // A newer epoch already wrote there: this transaction's marker is moot.
        if (isStorageError(err) && (err.code === 'INVALID_PRODUCER_EPOCH' || err.code === 'TRANSACTION_COORDINATOR_FENCED')) return
        throw err
      }
    }))
  }

  // ------------------------------------------------------------------ start-up load

  private async load(): Promise<void> {
    const topic = this.ctx.metadata.topic(TRANSACTION_STATE_TOPIC)
    let records = 0
    if (topic) {
      for (let i = 0; i < topic.partitions; i++) records += await this.loadPartition(i)
    }
    this.coordinator.recover()
    this.ctx.log.info({ records, transactionalIds: this.coordinator.all().length }, 'transaction coordinator loaded __transaction_state')
  }

  private loadPartition(index: number): Promise<number> {
    const maxBytes = this.ctx.config.int('transaction.state.log.load.buffer.size')
    return replayPartition(this.ctx, TRANSACTION_STATE_TOPIC, index, maxBytes, (batch) => {
      if (batch.control) return 0
      let count = 0
      for (const r of batch.records) {
        try {
          this.coordinator.replay(r.key, r.value)
          count++
        } catch (err) {
          this.ctx.log.warn({ err, partition: index }, 'skipping an unreadable __transaction_state record')
        }
      }
      return count
    })
  }
}

const services = new WeakMap<BrokerContext, TxnCoordinatorService>()

/** The broker's transaction coordinator service (created and started on first use). */
export function txnServiceOf(ctx: BrokerContext): TxnCoordinatorService {
  let s = services.get(ctx)
  if (!s) {
    s = new TxnCoordinatorService(ctx)
    services.set(ctx, s)
    s.start()
  }
  return s
}

/** For the coordinator registry (FindCoordinator key type 1). */
export function createTxnCoordinatorService(ctx: BrokerContext): TxnCoordinatorService {
  return txnServiceOf(ctx)
}

/** Partitions of `__consumer_offsets` for AddOffsetsToTxn. */
export const OFFSETS_TOPIC = CONSUMER_OFFSETS_TOPIC

/**
 * For OffsetFetch with requireStable (KIP-447): whether a group's partition has transactional
 * offsets waiting for their transaction to end (answered UNSTABLE_OFFSET_COMMIT, retriable).
 */
export async function pendingTxnOffsets(ctx: BrokerContext): Promise<(groupId: string, topic: string, partition: number) => boolean> {
  await groupServiceOf(ctx).whenLoaded()
  const pending = pendingTxnOffsetsOf(ctx)
  return (groupId, topic, partition) => pending.isPending(groupId, topic, partition)
}
