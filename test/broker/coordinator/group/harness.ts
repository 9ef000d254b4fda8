// A group coordinator on a manual clock with an in-memory __consumer_offsets (records kept as the
// bytes Kafka's schemas give them, so replay tests decode what a real log would hold).
import { TimerQueue } from '../../../../src/broker/coordinator/timer-queue.ts'
import { GroupCoordinator } from '../../../../src/broker/coordinator/group/group-coordinator.ts'
import type { JoinRequest } from '../../../../src/broker/coordinator/group/group-coordinator.ts'
import { DEFAULT_GROUP_CONFIG } from '../../../../src/broker/coordinator/group/group-config.ts'
import type { GroupCoordinatorConfig } from '../../../../src/broker/coordinator/group/group-config.ts'
import { decodeGroupRecord, encodeGroupRecord } from '../../../../src/broker/coordinator/group/records.ts'
import type { EncodedRecord, GroupRecord } from '../../../../src/broker/coordinator/group/records.ts'
import type { TopicLookup } from '../../../../src/broker/coordinator/group/subscribed-topic-ids.ts'
import { Writer } from '../../../../src/protocol/primitives/index.ts'
import { writeConsumerProtocolSubscription } from '../../../../src/protocol/generated/data/consumer-protocol-subscription.ts'

export class ManualClock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t
  }
}

export interface Harness {
  clock: ManualClock
  timers: TimerQueue
  coordinator: GroupCoordinator
  /** Appended records per partition, encoded. */
  log: Map<number, EncodedRecord[]>
  /** Make the next appends fail with this error (null: succeed). */
  failWith: { err: unknown }
  /** While `until` is set, appends wait for it before completing. */
  gate: { until: Promise<void> | null }
  advance(ms: number): void
  /** A fresh coordinator rebuilt from `log` by replay. */
  /** A coordinator rebuilt from the log, as after a failover (`extra`: the lookups a test gives it). */
  replayed(extra?: { topics?: TopicLookup, authorizing?: () => boolean }): GroupCoordinator
}

export function harness(overrides: Partial<GroupCoordinatorConfig> = {}, opts: { partitionExists?: (t: string, p: number) => boolean, topics?: TopicLookup, authorizing?: () => boolean } = {}): Harness {
  const clock = new ManualClock()
  const timers = new TimerQueue(clock)
  const log = new Map<number, EncodedRecord[]>()
  const failWith: { err: unknown } = { err: null }
  const gate: { until: Promise<void> | null } = { until: null }
  const config = { ...DEFAULT_GROUP_CONFIG, initialRebalanceDelayMs: 0, ...overrides }
  let n = 0
  const coordinator = new GroupCoordinator({
    config,
    timers,
    partitionExists: opts.partitionExists,
    topics: opts.topics,
    authorizing: opts.authorizing,
    newMemberId: (prefix) => `${prefix}-${++n}`,
    append: async (partition: number, records: readonly GroupRecord[]) => {
      await Promise.resolve()
      if (gate.until) await gate.until
      if (failWith.err !== null) throw failWith.err
      let l = log.get(partition)
      if (!l) log.set(partition, l = [])
      for (const r of records) l.push(encodeGroupRecord(r))
    },
  })
  return {
    clock, timers, coordinator, log, failWith, gate,
    advance(ms: number) {
      const end = clock.t + ms
      for (;;) {
        const next = timers.nextDeadline()
        if (next === undefined || next > end) break
        clock.t = Math.max(clock.t, next)
        timers.runDue()
      }
      clock.t = end
    },
    replayed(extra = {}) {
      const c2 = new GroupCoordinator({ config, timers: new TimerQueue(clock), append: async () => {}, ...extra })
      for (const [p, recs] of log) {
        c2.beginLoad(p)
        for (const r of recs) {
          const dec = decodeGroupRecord(r.key, r.value)
          if (dec) c2.replay(dec)
        }
        c2.completeLoad(p)
      }
      return c2
    },
  }
}

/** Consumer protocol subscription bytes (version 1) for `topics`. */
export function subscription(topics: string[]): Buffer {
  const w = new Writer(64)
  w.int16(1)
  writeConsumerProtocolSubscription(w, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 1)
  return w.finish()
}

export function joinReq(over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    requireKnownMemberId: false,
    supportSkipAssignment: false,
    ...over,
  }
}

/** Lets appends and promise callbacks settle. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}
