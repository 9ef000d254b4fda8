// What the share coordinator's state operations answer (coordinator side and persister side
// alike): an error code and message per share-partition, with the state read where there is one.
import type { StateBatch } from '../../share/share-partition.ts'

/** What __share_group_state holds for one share-partition. */
export interface PersistedShareState {
  readonly startOffset: number
  readonly stateEpoch: number
  readonly leaderEpoch: number
  readonly batches: readonly StateBatch[]
  readonly deliveryCompleteCount: number
}

export interface ShareStateResult {
  readonly errorCode: number
  readonly errorMessage: string | null
}

export interface ReadStateResult extends ShareStateResult {
  readonly state?: PersistedShareState
}

export interface StateSummaryResult extends ShareStateResult {
  readonly startOffset: number
  readonly leaderEpoch: number
  readonly stateEpoch: number
  readonly deliveryCompleteCount: number
}

/** The messages Kafka answers a read or write of a never-initialized share-partition with (INVALID_REQUEST). */
export const READ_UNINITIALIZED = 'Read operation on uninitialized share partition not allowed.'
export const WRITE_UNINITIALIZED = 'Write operation on uninitialized share partition not allowed.'
