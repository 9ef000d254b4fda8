// The share coordinator (KIP-932; Kafka's ShareCoordinatorShard): the durable state of every
// share-partition whose key (group:topicId:partition) hashes to one of this node's
// __share_group_state partitions. Writes are ShareUpdate records (start offset + the state
// batches, overlaid on what is there), every `snapshotEvery` updates a ShareSnapshot with the
// merged state instead; both are appended through the runtime and then applied by replay, which
// is also how a load rebuilds the state. A tombstone deletes a share-partition's state.
import { partitionForKey } from '../coordinator-key.ts'
import type { ShareKey, ShareStateRecord } from './share-records.ts'

export interface ShareStateBatch {
  readonly firstOffset: number
  readonly lastOffset: number
  readonly deliveryState: number
  readonly deliveryCount: number
}

export interface ShareState {
  readonly startOffset: number
  readonly stateEpoch: number
  readonly leaderEpoch: number
  readonly snapshotEpoch: number
  readonly createTimestamp: number
  readonly batches: readonly ShareStateBatch[]
  readonly deliveryCompleteCount: number
  /** Updates since the last snapshot. */
  readonly updates: number
}

export const shareKeyString = (k: ShareKey): string => `${k.groupId}:${k.topicId}:${k.partition}`

export class ShareCoordinator {
  readonly states = new Map<string, ShareState>()

  constructor(readonly partitions: number, private readonly snapshotEvery: number) {}

  partitionFor(k: ShareKey): number {
    return partitionForKey(shareKeyString(k), this.partitions)
  }

  get(k: ShareKey): ShareState | undefined {
    return this.states.get(shareKeyString(k))
  }

  /** The record that writes `next` for `k`: an update, or a snapshot when it is due (or the state is new / re-initialized). */
  recordFor(k: ShareKey, next: { startOffset: number, stateEpoch: number, leaderEpoch: number, batches: readonly ShareStateBatch[], deliveryCompleteCount: number }, now: number): ShareStateRecord {
    const cur = this.get(k)
    const batches = next.batches.map((b) => ({ firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount }))
    if (!cur || cur.updates + 1 >= this.snapshotEvery || next.stateEpoch !== cur.stateEpoch) {
      return {
        type: 'snapshot', key: k,
        value: {
          snapshotEpoch: cur ? cur.snapshotEpoch + 1 : 0, stateEpoch: next.stateEpoch, leaderEpoch: next.leaderEpoch,
          startOffset: BigInt(next.startOffset), deliveryCompleteCount: next.deliveryCompleteCount,
          createTimestamp: BigInt(cur?.createTimestamp ?? now), writeTimestamp: BigInt(now),
          stateBatches: mergeBatches(cur && cur.stateEpoch === next.stateEpoch ? cur.batches : [], next.batches, next.startOffset).map((b) => ({ ...b, firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset) })),
        },
      }
    }
    return {
      type: 'update', key: k,
      value: { snapshotEpoch: cur.snapshotEpoch, leaderEpoch: next.leaderEpoch, startOffset: BigInt(next.startOffset), deliveryCompleteCount: next.deliveryCompleteCount, stateBatches: batches },
    }
  }

  /** The snapshot Kafka's InitializeShareGroupState writes: a fresh state at `startOffset` in `stateEpoch`. */
  initRecord(k: ShareKey, stateEpoch: number, startOffset: number, now: number): ShareStateRecord {
    const cur = this.get(k)
    return {
      type: 'snapshot', key: k,
      value: {
        snapshotEpoch: cur ? cur.snapshotEpoch + 1 : 0, stateEpoch, leaderEpoch: cur?.leaderEpoch ?? -1,
        startOffset: BigInt(startOffset), deliveryCompleteCount: 0,
        createTimestamp: BigInt(now), writeTimestamp: BigInt(now), stateBatches: [],
      },
    }
  }

  replay(rec: ShareStateRecord): void {
    const id = shareKeyString(rec.key)
    if (rec.value === null) {
      this.states.delete(id)
      return
    }
    const toBatches = (list: readonly { firstOffset: bigint, lastOffset: bigint, deliveryState: number, deliveryCount: number }[]) =>
      list.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount }))
    if (rec.type === 'snapshot') {
      const v = rec.value
      this.states.set(id, {
        startOffset: Number(v.startOffset), stateEpoch: v.stateEpoch, leaderEpoch: v.leaderEpoch, snapshotEpoch: v.snapshotEpoch,
        createTimestamp: Number(v.createTimestamp), batches: mergeBatches([], toBatches(v.stateBatches), Number(v.startOffset)),
        deliveryCompleteCount: v.deliveryCompleteCount, updates: 0,
      })
      return
    }
    const cur = this.states.get(id)
    // An update without a snapshot before it (never written by Kafka) is ignored.
    if (!cur) return
    const v = rec.value
    const startOffset = v.startOffset >= 0n ? Number(v.startOffset) : cur.startOffset
    this.states.set(id, {
      ...cur, startOffset, leaderEpoch: v.leaderEpoch !== -1 ? v.leaderEpoch : cur.leaderEpoch,
      batches: mergeBatches(cur.batches, toBatches(v.stateBatches), startOffset), deliveryCompleteCount: v.deliveryCompleteCount, updates: cur.updates + 1,
    })
  }

  /** Resignation of a __share_group_state partition: its share-partitions' state is forgotten. */
  unload(partition: number): void {
    for (const [id, _] of this.states) {
      const [groupId, topicId, p] = splitKey(id)
      if (this.partitionFor({ groupId, topicId, partition: p }) === partition) this.states.delete(id)
    }
  }

  /** Every state of a group (DescribeShareGroupOffsets, DeleteShareGroupOffsets). */
  keysOf(groupId: string): ShareKey[] {
    const out: ShareKey[] = []
    for (const id of this.states.keys()) {
      const [g, topicId, partition] = splitKey(id)
      if (g === groupId) out.push({ groupId: g, topicId, partition })
    }
    return out
  }
}

function splitKey(id: string): [string, string, number] {
  const last = id.lastIndexOf(':')
  const mid = id.lastIndexOf(':', last - 1)
  return [id.slice(0, mid), id.slice(mid + 1, last), Number(id.slice(last + 1))]
}

/** `over` laid over `base` offset by offset, everything below `start` dropped, as sorted runs. */
export function mergeBatches(base: readonly ShareStateBatch[], over: readonly ShareStateBatch[], start: number): ShareStateBatch[] {
  const cut = (b: ShareStateBatch, from: number, to: number): ShareStateBatch | null => {
    const f = Math.max(b.firstOffset, from)
    const l = Math.min(b.lastOffset, to)
    return f <= l ? { ...b, firstOffset: f, lastOffset: l } : null
  }
  const pieces: ShareStateBatch[] = []
  const sortedOver = [...over].sort((a, b) => a.firstOffset - b.firstOffset)
  for (const b of base) {
    // The parts of b not covered by any `over` batch.
    let from = b.firstOffset
    for (const o of sortedOver) {
      if (o.lastOffset < from || o.firstOffset > b.lastOffset) continue
      const left = cut(b, from, o.firstOffset - 1)
      if (left) pieces.push(left)
      from = Math.max(from, o.lastOffset + 1)
    }
    const rest = cut(b, from, b.lastOffset)
    if (rest) pieces.push(rest)
  }
  pieces.push(...sortedOver)
  const out: ShareStateBatch[] = []
  for (const p of pieces.map((b) => cut(b, start, Number.MAX_SAFE_INTEGER)).filter((b): b is ShareStateBatch => b !== null).sort((a, b) => a.firstOffset - b.firstOffset)) {
    const last = out[out.length - 1]
    if (last && last.lastOffset + 1 === p.firstOffset && last.deliveryState === p.deliveryState && last.deliveryCount === p.deliveryCount) out[out.length - 1] = { ...last, lastOffset: p.lastOffset }
    else out.push(p)
  }
  return out
}
