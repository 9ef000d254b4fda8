// Partition reassignment (KIP-455), as pure functions of the image plus the controller's duty of
// finishing them. Starting one moves a partition from its original replicas O to a target T by
// writing replicas = T followed by the rest of O, addingReplicas = T - O, removingReplicas = O - T:
// the added brokers become followers and copy the data by ordinary replication, and the leader
// adds them to the ISR once caught up. When every adding replica is in the ISR the controller
// completes it: replicas = T, ISR narrowed to T, a leader from T when the old one is being
// removed (leader epoch +1), and the removed brokers drop their logs when the image no longer
// names them. Cancelling (target null) reverts to O the same way. Every write bumps the partition
// epoch and is guarded by the partition's mod revision (and the controller epoch for completions).
import type { Logger } from 'pino'
import { ErrorCode } from '../../protocol/errors.ts'
import type { Controller } from './controller.ts'
import { ControllerElection } from './controller-election.ts'
import { ELECTION_BATCH } from './failover-controller.ts'
import type { PartitionChange } from './leader-election.ts'
import type { MetadataDelta } from './metadata-delta.ts'
import type { MetadataImage, PartitionState } from './metadata-image.ts'
import type { PartitionRecord } from './metadata-records.ts'

export type ReassignOutcome = { readonly change: PartitionChange | null } | { readonly errorCode: number, readonly message: string }

const isReassigning = (s: PartitionRecord): boolean => (s.addingReplicas?.length ?? 0) > 0 || (s.removingReplicas?.length ?? 0) > 0

/** The replicas before the reassignment in progress (all of them when there is none). */
export function originalReplicas(s: PartitionRecord): number[] {
  const adding = new Set(s.addingReplicas ?? [])
  return s.replicas.filter((r) => !adding.has(r))
}

/** AlterPartitionReassignments for one partition: `target` null cancels. `change` null: nothing to write. */
export function reassign(image: MetadataImage, s: PartitionState, target: readonly number[] | null): ReassignOutcome {
  if (target === null) {
    if (!isReassigning(s)) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, message: 'no reassignment in progress' }
    return { change: finish(s, originalReplicas(s)) }
  }
  if (target.length === 0 || new Set(target).size !== target.length) {
    return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: 'the target replicas must be distinct and at least one' }
  }
  const unknown = target.filter((id) => !image.brokers.has(id))
  if (unknown.length > 0) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `brokers ${unknown.join(', ')} are not registered` }
  const original = originalReplicas(s)
  const adding = target.filter((r) => !original.includes(r))
  if (adding.length === 0) {
    // Nothing to copy: the target is reached at once (or already is).
    if (!isReassigning(s) && sameList(s.replicas, target)) return { change: null }
    return { change: finish(s, target) }
  }
  const replicas = [...target, ...original.filter((r) => !target.includes(r))]
  const next: PartitionRecord = {
    replicas, isr: [...s.isr], leader: s.leader, leaderEpoch: s.leaderEpoch, partitionEpoch: s.partitionEpoch + 1,
    addingReplicas: adding, removingReplicas: original.filter((r) => !target.includes(r)),
  }
  return { change: { prev: s, next } }
}

/** The completions the image calls for: reassignments whose adding replicas are all in the ISR. */
export function completedReassignments(states: Iterable<PartitionState>): PartitionChange[] {
  const out: PartitionChange[] = []
  for (const s of states) {
    if (!isReassigning(s) || !(s.addingReplicas ?? []).every((r) => s.isr.includes(r))) continue
    out.push(finish(s, s.replicas.filter((r) => !(s.removingReplicas ?? []).includes(r))))
  }
  return out
}

/** The partition on exactly `replicas`: ISR narrowed, a leader from them when needed, no reassignment. */
function finish(s: PartitionState, replicas: readonly number[]): PartitionChange {
  const isr = s.isr.filter((r) => replicas.includes(r))
  let leader = s.leader
  let leaderEpoch = s.leaderEpoch
  if (!replicas.includes(leader)) {
    leader = replicas.find((r) => isr.includes(r)) ?? -1
    leaderEpoch++
  }
  // An ISR left empty (only removed replicas were in sync) keeps the leader's old view: offline.
  return { prev: s, next: { replicas: [...replicas], isr: isr.length > 0 ? isr : [...s.isr], leader, leaderEpoch, partitionEpoch: s.partitionEpoch + 1 } }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** The controller's half: after each delta, finishes reassignments whose new replicas caught up. */
export class ReassignmentCompleter {
  private running: Promise<void> | undefined
  /** Partitions to look at again (topic, index), filled by deltas while a write runs. */
  private readonly queued = new Map<string, { topic: string, partition: number }>()
  /** The newest delta's image (publishers run before the loader makes it current). */
  private latest: MetadataImage | undefined

  constructor(
    private readonly controller: Controller,
    private readonly election: ControllerElection,
    private readonly log: Logger,
  ) {}

  onDelta = (delta: MetadataDelta): void => {
    const image = delta.image
    this.latest = image
    if (!this.election.isController(image)) return
    const note = (s: PartitionState) => {
      if (isReassigning(s)) this.queued.set(`${s.topic}\u0000${s.partition}`, { topic: s.topic, partition: s.partition })
    }
    for (const c of delta.topicChanges) {
      for (const i of c.changedPartitions) {
        const s = c.after?.states[i]
        if (s) note(s)
      }
    }
    // A new controller looks at every partition once.
    if (delta.before.controller?.epoch !== image.controller?.epoch) for (const t of image.topics()) for (const s of t.states) note(s)
    if (this.queued.size > 0) this.kick()
  }

  private kick(): void {
    if (this.running) return
    this.running = (async () => {
      while (this.queued.size > 0) {
        const image = this.latest!
        const states = [...this.queued.values()].map((tp) => image.partition(tp.topic, tp.partition)).filter((s) => s !== undefined)
        this.queued.clear()
        if (!this.election.isController(image)) return
        const changes = completedReassignments(states)
        if (changes.length === 0) continue
        try {
          const written = await this.controller.writeElections(changes, ELECTION_BATCH, ControllerElection.guard(image))
          for (const c of written) this.log.info({ topic: c.prev.topic, partition: c.prev.partition, replicas: c.next.replicas, leader: c.next.leader }, 'partition reassignment completed')
        } catch (err) {
          this.log.warn({ err }, 'completing partition reassignments failed; the next change retries')
        }
      }
    })().finally(() => { this.running = undefined })
  }

  async close(): Promise<void> {
    await this.running
  }
}
