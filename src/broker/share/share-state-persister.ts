// How a broker reaches the durable state of any share-partition (Kafka's DefaultStatePersister and
// PersisterStateManager): the state of group:topicId:partition lives with the share coordinator
// of the __share_group_state partition that key hashes to, i.e. with that partition's leader. This
// node calls its own coordinator in-process when it leads that partition, else sends
// InitializeShareGroupState / ReadShareGroupState / WriteShareGroupState / DeleteShareGroupState /
// ReadShareGroupStateSummary to the leader over the inter-broker client; reads, writes and
// summaries of one group bound for the same node in one turn of the event loop share one request
// (share-state-batcher.ts). NOT_COORDINATOR,
// COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, no leader and connection failures are
// retried with backoff (the leader is looked up again each time: leadership moves) until
// request.timeout.ms passes; any other error is the caller's (ShareStateError).
import { ErrorCode, errorInfo } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { DeleteShareGroupStateResponse } from '../../protocol/generated/messages/delete-share-group-state.ts'
import type { InitializeShareGroupStateResponse } from '../../protocol/generated/messages/initialize-share-group-state.ts'
import type { ReadShareGroupStateSummaryResponse } from '../../protocol/generated/messages/read-share-group-state-summary.ts'
import type { ReadShareGroupStateResponse } from '../../protocol/generated/messages/read-share-group-state.ts'
import type { WriteShareGroupStateResponse } from '../../protocol/generated/messages/write-share-group-state.ts'
import { SHARE_GROUP_STATE_TOPIC } from '../cluster/topic-names.ts'
import type { BrokerContext } from '../context.ts'
import type { ShareKey } from '../coordinator/share/share-records.ts'
import type { ShareCoordinatorService } from '../coordinator/share/share-coordinator-service.ts'
import { READ_UNINITIALIZED } from '../coordinator/share/share-state-results.ts'
import type { PersistedShareState, ReadStateResult, ShareStateResult, StateSummaryResult } from '../coordinator/share/share-state-results.ts'
import type { SharePersister } from './share-partition-manager.ts'
import { ShareStateBatcher } from './share-state-batcher.ts'

/** A share-state operation failed with a non-retriable error code (or kept failing until the deadline). */
export class ShareStateError extends Error {
  constructor(readonly errorCode: number, message: string | null) {
    super(message ?? errorInfo(errorCode).message)
    this.name = 'ShareStateError'
  }
}

const RETRIABLE = new Set<number>([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE])
const OK: ShareStateResult = { errorCode: ErrorCode.NONE, errorMessage: null }
const INITIAL_BACKOFF_MS = 50
const MAX_BACKOFF_MS = 1000

type Wire = { readonly errorCode: number, readonly errorMessage: string | null }
const first = <P>(res: { results: { partitions: P[] }[] }): P | undefined => res.results[0]?.partitions[0]
type ReadPart = ReadShareGroupStateResponse['results'][number]['partitions'][number]
type WritePart = WriteShareGroupStateResponse['results'][number]['partitions'][number]
type SummaryPart = ReadShareGroupStateSummaryResponse['results'][number]['partitions'][number]

export class ShareStatePersister implements SharePersister {
  private closed = false
  private readonly sleeping = new Set<() => void>()
  /** Remote reads, writes and summaries, combined per node and group. */
  readonly batcher: ShareStateBatcher

  constructor(private readonly ctx: BrokerContext, private readonly coordinator: ShareCoordinatorService) {
    this.batcher = new ShareStateBatcher((node, apiKey, version, body) => this.send(node, apiKey, version, body))
  }

  /** The state, or null when the share-partition was never initialized (or was deleted). */
  async read(groupId: string, topicId: string, partition: number, leaderEpoch: number): Promise<PersistedShareState | null> {
    const key = { groupId, topicId, partition }
    const r = await this.route<ReadStateResult>(key, () => this.coordinator.readState(key, leaderEpoch), async (node) => {
      const p = await this.batcher.add<ReadPart>(node, ApiKey.ReadShareGroupState, 0, groupId, topicId, { partition, leaderEpoch })
      if (!p) return missing()
      if (p.errorCode !== ErrorCode.NONE) return wire(p)
      return {
        ...OK,
        state: {
          startOffset: Number(p.startOffset), stateEpoch: p.stateEpoch, leaderEpoch, deliveryCompleteCount: -1,
          batches: p.stateBatches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
        },
      }
    })
    if (r.errorCode === ErrorCode.INVALID_REQUEST && r.errorMessage === READ_UNINITIALIZED) return null
    check(r)
    return r.state!
  }

  /** A fresh state at `startOffset` in `stateEpoch` (first use of a share-partition, AlterShareGroupOffsets). */
  async initialize(groupId: string, topicId: string, partition: number, stateEpoch: number, startOffset: number): Promise<void> {
    const key = { groupId, topicId, partition }
    check(await this.route(key, () => this.coordinator.initializeState(key, stateEpoch, startOffset), async (node) =>
      wire(first(await this.send<InitializeShareGroupStateResponse>(node, ApiKey.InitializeShareGroupState, 0, {
        groupId, topics: [{ topicId, partitions: [{ partition, stateEpoch, startOffset: BigInt(startOffset) }] }],
      })))))
  }

  async write(groupId: string, topicId: string, partition: number, state: PersistedShareState): Promise<void> {
    const key = { groupId, topicId, partition }
    check(await this.route(key, () => this.coordinator.writeState(key, state), async (node) =>
      wire(await this.batcher.add<WritePart>(node, ApiKey.WriteShareGroupState, 1, groupId, topicId, {
        partition, stateEpoch: state.stateEpoch, leaderEpoch: state.leaderEpoch, startOffset: BigInt(state.startOffset), deliveryCompleteCount: state.deliveryCompleteCount,
        stateBatches: state.batches.map((b) => ({ firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount })),
      }))))
  }

  async delete(groupId: string, topicId: string, partition: number): Promise<void> {
    const key = { groupId, topicId, partition }
    check(await this.route(key, () => this.coordinator.deleteState(key), async (node) =>
      wire(first(await this.send<DeleteShareGroupStateResponse>(node, ApiKey.DeleteShareGroupState, 0, { groupId, topics: [{ topicId, partitions: [{ partition }] }] })))))
  }

  /** Start offset, epochs and delivery-complete count (start offset -1 when never initialized). */
  async summary(groupId: string, topicId: string, partition: number): Promise<StateSummaryResult> {
    const key = { groupId, topicId, partition }
    const r = await this.route<StateSummaryResult>(key, () => this.coordinator.readStateSummary(key), async (node) => {
      const p = await this.batcher.add<SummaryPart>(node, ApiKey.ReadShareGroupStateSummary, 1, groupId, topicId, { partition, leaderEpoch: -1 })
      if (!p) return { ...missing(), startOffset: -1, leaderEpoch: -1, stateEpoch: 0, deliveryCompleteCount: -1 }
      return { ...wire(p), startOffset: Number(p.startOffset), leaderEpoch: p.leaderEpoch, stateEpoch: p.stateEpoch, deliveryCompleteCount: p.deliveryCompleteCount }
    })
    check(r)
    return r
  }

  /** Runs an operation at the key's coordinator, retrying while it moves or loads. */
  private async route<R extends ShareStateResult>(key: ShareKey, local: () => Promise<R>, remote: (node: number) => Promise<R>): Promise<R> {
    const deadline = Date.now() + this.ctx.config.int('request.timeout.ms')
    for (let attempt = 0; ; attempt++) {
      let r: R | ShareStateResult
      try {
        await this.coordinator.ensureTopic()
        const leader = this.ctx.metadata.image.partition(SHARE_GROUP_STATE_TOPIC, this.coordinator.coordinator.partitionFor(key))?.leader ?? -1
        r = leader === this.ctx.config.nodeId ? await local()
          : leader >= 0 ? await remote(leader)
            : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: `${SHARE_GROUP_STATE_TOPIC} has no leader for this key` }
      } catch (err) {
        // Connection refused or dropped, timeout, topic not creatable yet: try again.
        r = { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: (err as Error).message }
      }
      if (!RETRIABLE.has(r.errorCode) || this.closed || Date.now() >= deadline) return r as R
      await this.sleep(Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** Math.min(attempt, 10)))
    }
  }

  private send<Res>(node: number, apiKey: number, version: number, body: unknown): Promise<Res> {
    return this.ctx.interBroker.send<Res>(node, apiKey, version, body, this.ctx.config.int('request.timeout.ms'))
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t)
        this.sleeping.delete(done)
        resolve()
      }
      const t = setTimeout(done, ms)
      t.unref()
      this.sleeping.add(done)
    })
  }

  /** Broker shutdown: retries stop (what is in flight answers with its last error). */
  close(): void {
    this.closed = true
    for (const wake of [...this.sleeping]) wake()
  }
}

function wire(p: Wire | undefined): ShareStateResult {
  return p ? { errorCode: p.errorCode, errorMessage: p.errorMessage } : missing()
}

function missing(): ShareStateResult {
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'the share coordinator answered without the partition' }
}

function check(r: ShareStateResult): void {
  if (r.errorCode !== ErrorCode.NONE) throw new ShareStateError(r.errorCode, r.errorMessage)
}
