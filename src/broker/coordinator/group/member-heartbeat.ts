// What the KIP-848 consumer and KIP-932 share heartbeats have in common on the group coordinator
// shard: the result shape, the error a heartbeat step throws to answer with a code, and the
// per-group queue that runs a group's operations (heartbeats, timer expiries) one at a time, so
// each sees the state every earlier one left. `runHeartbeat` ties them together: queued, thrown
// HeartbeatErrors answered as their code, anything else logged and answered as the append's code.
import type { GroupShardState } from './group-shard-state.ts'
import { appendErrorCode } from './group-shard-state.ts'

export interface HeartbeatResult {
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly memberId: string | null
  readonly memberEpoch: number
  readonly heartbeatIntervalMs: number
  readonly assignment: { topicId: string, partitions: number[] }[] | null
}

export class HeartbeatError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}

/** Ends a heartbeat with an error code. */
export const fail = (code: number, message: string): never => { throw new HeartbeatError(code, message) }

export function heartbeatError(errorCode: number, errorMessage: string | null): HeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null }
}

/** Operations per group id, each started after every earlier one settled. */
export class GroupQueue {
  private readonly queues = new Map<string, Promise<unknown>>()

  /** Runs `fn` after every earlier operation on the group has settled. */
  serially<T>(groupId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(groupId) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.then(() => {}, () => {})
    this.queues.set(groupId, tail)
    void tail.then(() => { if (this.queues.get(groupId) === tail) this.queues.delete(groupId) })
    return run
  }
}

/** A heartbeat run in the group's queue; errors become the answer's code (`what` names it in the log). */
export function runHeartbeat(s: GroupShardState, queue: GroupQueue, groupId: string, what: string, fn: () => Promise<HeartbeatResult>): Promise<HeartbeatResult> {
  return queue.serially(groupId, fn).catch((err: unknown) => {
    if (err instanceof HeartbeatError) return heartbeatError(err.code, err.message)
    s.onError(err, what)
    return heartbeatError(appendErrorCode(err, false), null)
  })
}

/** The ConsumerGroupHeartbeat / ShareGroupHeartbeat response body of a result. */
export function heartbeatResponse(r: HeartbeatResult) {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    memberId: r.memberId,
    memberEpoch: r.memberEpoch,
    heartbeatIntervalMs: r.heartbeatIntervalMs,
    assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
  }
}
