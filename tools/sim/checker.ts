// The invariants, checked after every simulated event (`check()`) and once more after the
// cluster has healed (`checkHealed()`). A violation throws InvariantViolation naming the rule.
//
//  - committed data never changes: every (offset, record) below a replica's high watermark —
//    leader or follower, any life of any broker — and every record a consumer was shown or a
//    producer had acknowledged (acks=all) is "committed"; two different records ever committed at
//    one offset of a partition is a violation. This is how "a follower never serves a diverged
//    tail" and "no acknowledged record is lost" are seen as they happen;
//  - at most one broker appends as leader in a (partition, leader epoch);
//  - a leader's high watermark never goes backwards (per broker life, partition and epoch);
//  - a follower's high watermark is never past the highest high watermark any leader reached
//    (a follower learns it only from a leader), and no replica's HW is past its log end;
//  - offsets are dense: each log's batches follow each other without gaps;
//  - each log's leader-epoch cache agrees with its batches: the epoch covering a batch's offset
//    is the epoch the batch was written in (else a follower holding that batch is told it
//    diverged on every fetch and never catches up);
//  - after healing: every partition has a live leader, its ISR holds every replica, and every
//    acknowledged record is at its offset in the leader's and every in-sync replica's log.
import type { Partition } from '../../src/broker/replica/partition.ts'
import type { SimBroker } from './sim-broker.ts'
import type { SimLog } from './sim-log.ts'

export class InvariantViolation extends Error {
  constructor(readonly rule: string, detail: string) {
    super(`${rule}: ${detail}`)
    this.name = 'InvariantViolation'
  }
}

interface Acked {
  readonly offset: number
  readonly id: number
}

export class Checker {
  /** partition -> offset -> committed record id. */
  private readonly committed = new Map<string, Map<number, number>>()
  private readonly acked = new Map<string, Acked[]>()
  /** `${partition} ${epoch}` -> the broker that appended as leader. */
  private readonly writers = new Map<string, number>()
  /** `${broker}.${life} ${partition} ${epoch}` -> last leader HW seen. */
  private readonly leaderHw = new Map<string, number>()
  /** partition -> highest HW any leader reached. */
  private readonly maxLeaderHw = new Map<string, number>()
  /** Per replica log: how far committed batches have been checked (reset on truncation). */
  private readonly scanned = new WeakMap<SimLog, { version: number, upTo: number }>()
  checks = 0
  /** The first violation (also thrown where it was found). */
  violation: InvariantViolation | undefined

  private fail(rule: string, detail: string): never {
    const v = new InvariantViolation(rule, detail)
    this.violation ??= v
    throw v
  }

  private commit(tp: string, offset: number, id: number, who: string): void {
    let m = this.committed.get(tp)
    if (!m) this.committed.set(tp, m = new Map())
    const prev = m.get(offset)
    if (prev === undefined) m.set(offset, id)
    else if (prev !== id) {
      this.fail('committed record changed', `${tp} offset ${offset}: record ${prev} was committed, ${who} has record ${id}`)
    }
  }

  acknowledged(tp: string, offset: number, id: number, broker: number): void {
    let list = this.acked.get(tp)
    if (!list) this.acked.set(tp, list = [])
    list.push({ offset, id })
    this.commit(tp, offset, id, `an acks=all answer from broker ${broker}`)
  }

  consumed(tp: string, offset: number, id: number, broker: number): void {
    this.commit(tp, offset, id, `a consumer fetch from broker ${broker}`)
  }

  /** A leader append on `broker` in `epoch` (from the logs' hook). */
  leaderAppend(tp: string, epoch: number, broker: number): void {
    const k = `${tp} ${epoch}`
    const prev = this.writers.get(k)
    if (prev === undefined) this.writers.set(k, broker)
    else if (prev !== broker) this.fail('two leaders in one epoch', `${tp} epoch ${epoch}: brokers ${prev} and ${broker} both appended as leader`)
  }

  /** After every event: every live broker's replicas. */
  check(brokers: readonly SimBroker[]): void {
    this.checks++
    for (const b of brokers) {
      if (!b.alive) continue
      for (const p of b.replicas.allPartitions()) this.checkReplica(b, p)
    }
  }

  private checkReplica(b: SimBroker, p: Partition): void {
    const tp = `${p.topic}-${p.index}`
    const log = b.logs.get(p.topic, p.index)
    if (!log) return
    const hw = p.highWatermark
    const who = `broker ${b.id} (life ${b.incarnation}, ${p.isLeader ? 'leader' : 'follower'} in epoch ${p.leaderEpoch})`
    if (hw > log.logEndOffset) this.fail('high watermark past the log end', `${tp} on ${who}: HW ${hw}, log end ${log.logEndOffset}`)
    if (p.isLeader) {
      const k = `${b.id}.${b.incarnation} ${tp} ${p.leaderEpoch}`
      const prev = this.leaderHw.get(k)
      if (prev !== undefined && hw < prev) this.fail('leader high watermark went back', `${tp} on ${who}: ${prev} -> ${hw}`)
      this.leaderHw.set(k, hw)
      if (hw > (this.maxLeaderHw.get(tp) ?? 0)) this.maxLeaderHw.set(tp, hw)
    } else if (hw > (this.maxLeaderHw.get(tp) ?? 0) && p.announced) {
      this.fail('follower high watermark past every leader\'s', `${tp} on ${who}: HW ${hw}, highest leader HW ${this.maxLeaderHw.get(tp) ?? 0}`)
    }
    this.checkEpochs(log, tp, who)
    // Committed batches: everything below the HW, scanned incrementally.
    let s = this.scanned.get(log)
    if (!s || s.version !== log.version) this.scanned.set(log, s = { version: log.version, upTo: log.logStartOffset })
    if (s.upTo >= hw) return
    let expect = -1
    for (const batch of log.batches) {
      if (expect >= 0 && batch.base !== expect) this.fail('offsets not dense', `${tp} on ${who}: batch at ${batch.base} follows one ending at ${expect - 1}`)
      expect = batch.last + 1
      if (batch.last < s.upTo) continue
      if (batch.base >= hw) break
      this.commit(tp, batch.base, batch.id, who)
    }
    s.upTo = hw
  }

  private checkEpochs(log: SimLog, tp: string, who: string): void {
    const entries = log.epochs.all
    let i = 0
    for (const batch of log.batches) {
      while (i + 1 < entries.length && entries[i + 1]!.startOffset <= batch.base) i++
      const covering = entries[i]
      if (covering === undefined || covering.startOffset > batch.base) continue
      if (covering.epoch !== batch.epoch) {
        this.fail('epoch cache disagrees with the log', `${tp} on ${who}: batch at ${batch.base} written in epoch ${batch.epoch}, the cache says epoch ${covering.epoch} (from ${covering.startOffset})`)
      }
    }
  }

  /** After healing: leaders, full ISRs, acknowledged records everywhere in sync (undefined: all hold). */
  healProblem(brokers: readonly SimBroker[], topic: string, partitions: number, replicas: number): InvariantViolation | undefined {
    const live = brokers.filter((b) => b.alive)
    for (let i = 0; i < partitions; i++) {
      const tp = `${topic}-${i}`
      const leader = live.find((b) => b.replicas.partition(topic, i)?.isLeader)
      const lp = leader?.replicas.partition(topic, i)
      if (!leader || !lp) return new InvariantViolation('no leader after healing', tp)
      if (lp.isr.length !== replicas) return new InvariantViolation('ISR not full after healing', `${tp}: ISR [${lp.isr.join(',')}] on leader ${leader.id}`)
      for (const id of lp.isr) {
        const b = live.find((x) => x.id === id)
        const log = b?.logs.get(topic, i)
        if (!b || !log) return new InvariantViolation('in-sync replica missing after healing', `${tp}: broker ${id}`)
        for (const a of this.acked.get(tp) ?? []) {
          const batch = log.batchAt(a.offset)
          if (batch?.id !== a.id) {
            return new InvariantViolation('acknowledged record lost', `${tp} offset ${a.offset}: record ${a.id} acknowledged, broker ${id} has ${batch ? `record ${batch.id}` : 'nothing'}`)
          }
        }
      }
    }
    return undefined
  }
}
