// The transaction coordinator inside a broker (FindCoordinator key type 1): `__transaction_state`
// is an internal compacted topic (created on first use by the topic service) whose partitions a
// CoordinatorRuntime owns: an election replays a partition, a resignation unloads its ids, and
// every record goes through the runtime (epoch-checked, answered once the high watermark covers
// it). After the start-up load, transactions left in PrepareCommit/PrepareAbort are completed.
// Markers carry the epoch of this coordinator's election; they go straight into data partitions'
// logs as control batches, while the group shard writes and replays those for __consumer_offsets
// partitions (group/txn-offsets.ts). Timeout aborts and id expiry run on the broker clock.
import { join } from 'node:path'
import { ErrorCode } from '../../../protocol/errors.ts'
import { ApiKey } from '../../../protocol/generated/api-keys.ts'
import type { WriteTxnMarkersResponse } from '../../../protocol/generated/messages/write-txn-markers.ts'
import { buildRecordBatch } from '../../../protocol/records/index.ts'
import { unlinkIfExists } from '../../../storage/fs-util.ts'
import type { BrokerContext } from '../../context.ts'
import { CONSUMER_OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../../cluster/topic-names.ts'
import type { InterBrokerClient } from '../../cluster/inter-broker-client.ts'
import { appendTxnMarkers } from './txn-marker-append.ts'
import type { MarkerResult, TxnMarker } from './txn-marker-append.ts'
import { MarkersAbandonedError, TxnMarkerChannelManager } from './txn-marker-channel-manager.ts'
import { ProducerIdManager } from './producer-id-manager.ts'
import type { ProducerIdSource } from './producer-id-manager.ts'
import { TxnCoordinator } from './txn-coordinator.ts'
import { COORDINATOR_KEY_TYPE_TRANSACTION } from '../coordinator-key.ts'
import { replayPartition } from '../replay-partition.ts'
import { CoordinatorRuntime } from '../runtime.ts'
import { replicaPartitionWriter } from '../partition-writer.ts'
import type { TopicPartition } from './txn-metadata.ts'

/** Where an earlier version kept pending transactional offsets (they now live in __consumer_offsets). */
const LEGACY_PENDING_OFFSETS_FILE = 'txn-pending-offsets.json'

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
  readonly runtime: CoordinatorRuntime
  private topicReady: Promise<void> | null = null
  private loaded: Promise<void> | null = null
  private stops: (() => void)[] = []
  private started = false
  private readonly markers: TxnMarkerChannelManager

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
      writeMarkers: (pid, epoch, commit, partitions, id) => this.writeMarkers(pid, epoch, commit, partitions, id),
      producerIds: ctx.producerIds ?? new LazyIds(ctx.config.dataDir),
      // The image, not the local replicas: in a cluster a partition may live on other brokers only.
      partitionExists: (topic, partition) => ctx.metadata.image.partition(topic, partition) !== undefined,
      onError: (err, what) => ctx.log.warn({ err }, `transaction coordinator: ${what}`),
    })
    let loadedRecords = 0
    this.runtime = new CoordinatorRuntime({
      topic: TRANSACTION_STATE_TOPIC,
      writer: replicaPartitionWriter(ctx, TRANSACTION_STATE_TOPIC),
      hooks: {
        beginLoad: (partition) => this.coordinator.beginLoad(partition),
        load: (partition) => this.loadPartition(partition),
        completeLoad: (partition) => this.coordinator.completeLoad(partition),
        unload: (partition) => this.coordinator.unloadPartition(partition),
      },
      onError: (err, what) => ctx.log.error({ err }, `transaction coordinator: ${what}`),
      onLoaded: (_partition, records) => { loadedRecords += records },
    })
    this.loadedRecords = () => loadedRecords
    const markerTimeoutMs = ctx.config.int('request.timeout.ms')
    this.markers = new TxnMarkerChannelManager({
      nodeId: ctx.nodeId,
      image: () => ctx.metadata.image,
      appendLocal: (marker, partitions) => appendTxnMarkers(ctx, marker, partitions, markerTimeoutMs),
      sendRemote: (brokerId, marker, partitions) => this.sendMarkers(brokerId, marker, partitions),
      stillCoordinator: (id, epoch) => this.runtime.epochOf(this.coordinator.partitionFor(id)) === epoch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
      onRetry: (id, pending, reason) => ctx.log.debug({ transactionalId: id, pending, reason }, 'retrying transaction markers'),
    })
  }

  private get interBroker(): InterBrokerClient {
    return this.ctx.interBroker
  }

  private readonly loadedRecords: () => number

  /**
   * The partitions this broker leads (every one on a single node) are elected in their leader
   * epoch; the others answer NOT_COORDINATOR until the replica manager reports leadership here.
   */
  private electAll(): Promise<void> {
    for (let i = 0; i < this.coordinator.config.logPartitions; i++) {
      const p = this.ctx.replicas.partition(TRANSACTION_STATE_TOPIC, i)
      if (p?.isLeader) this.runtime.onElection(i, p.leaderEpoch)
      else if (this.runtime.status(i) === undefined) this.coordinator.unloadPartition(i)
    }
    return this.runtime.whenAllLoaded()
  }

  partitionFor(key: string): number {
    return this.coordinator.partitionFor(key)
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
    this.markers.close()
    this.coordinator.close()
    this.runtime.close()
  }

  // ------------------------------------------------------------------ effects

  private ensureTopic(): Promise<void> {
    this.topicReady ??= (async () => {
      const topic = await this.ctx.topics.ensureInternalTopic(TRANSACTION_STATE_TOPIC)
      if (topic.partitions !== this.coordinator.config.logPartitions) {
        throw new Error(`__transaction_state has ${topic.partitions} partitions, expected ${this.coordinator.config.logPartitions}`)
      }
      // Created now (or found at start-up, already elected): an election of an elected epoch is a no-op.
      await this.electAll()
    })()
    this.topicReady.catch(() => {
      this.topicReady = null
    })
    return this.topicReady
  }

  private async appendLog(partition: number, key: Buffer, value: Buffer | null): Promise<void> {
    await this.ensureTopic()
    const now = this.ctx.clock.now()
    await this.runtime.write(partition, buildRecordBatch({ baseTimestamp: now, records: [{ key, value, timestamp: now }] }))
  }

  private async writeMarkers(pid: number, epoch: number, commit: boolean, partitions: readonly TopicPartition[], transactionalId: string): Promise<void> {
    // The epoch this node was elected coordinator of the id's partition in: a marker from a deposed
    // coordinator carries an older one.
    const coordinatorEpoch = this.runtime.epochOf(this.coordinator.partitionFor(transactionalId))
    if (coordinatorEpoch === undefined) throw new MarkersAbandonedError(transactionalId, 'not its coordinator')
    await this.markers.writeMarkers(transactionalId, { producerId: pid, producerEpoch: epoch, commit, coordinatorEpoch }, partitions)
  }

  private async sendMarkers(brokerId: number, marker: TxnMarker, partitions: readonly TopicPartition[]): Promise<MarkerResult[]> {
    const topics = new Map<string, number[]>()
    for (const tp of partitions) {
      let list = topics.get(tp.topic)
      if (!list) topics.set(tp.topic, list = [])
      list.push(tp.partition)
    }
    const timeoutMs = this.ctx.config.int('request.timeout.ms')
    const res = await this.interBroker.send<WriteTxnMarkersResponse>(brokerId, ApiKey.WriteTxnMarkers, 1, {
      markers: [{
        producerId: BigInt(marker.producerId), producerEpoch: marker.producerEpoch, transactionResult: marker.commit,
        topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        coordinatorEpoch: marker.coordinatorEpoch, transactionVersion: 0,
      }],
    }, timeoutMs + 5000)
    const out: MarkerResult[] = []
    for (const m of res.markers) {
      if (Number(m.producerId) !== marker.producerId) continue
      for (const t of m.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })
    }
    return out
  }

  // ------------------------------------------------------------------ start-up load

  private async load(): Promise<void> {
    if (this.ctx.metadata.topic(TRANSACTION_STATE_TOPIC)) {
      this.topicReady = Promise.resolve()
      await this.electAll()
    }
    this.coordinator.recover()
    this.ctx.log.info({ records: this.loadedRecords(), transactionalIds: this.coordinator.all().length }, 'transaction coordinator loaded __transaction_state')
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

/** Partitions of `__consumer_offsets` for AddOffsetsToTxn. */
export const OFFSETS_TOPIC = CONSUMER_OFFSETS_TOPIC
