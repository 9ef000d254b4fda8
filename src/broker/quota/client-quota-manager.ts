// One kind of client quota (producer_byte_rate, consumer_byte_rate or request_percentage), with
// Kafka's resolution (KIP-55): the most specific quota among, in order,
//   (user, client-id), (user, <default client-id>), (user),
//   (<default user>, client-id), (<default user>, <default client-id>), (<default user>),
//   (client-id), (<default client-id>).
// Usage is measured per "quota id": the (user, client-id) pair the applying quota is shared by —
// a user quota is shared by all of that user's client ids, a client-id quota by every user of
// that client id — so each client's value is recorded once, in the rate its quota governs.
import { SampledRate, throttleTimeMs } from './sampled-rate.ts'
import { entityKey } from './client-quota-entity.ts'
import type { QuotaEntity } from './client-quota-entity.ts'

/** A quota id's usage (forgotten after an hour without use, as Kafka's sensors). */
interface Sensor {
  readonly rate: SampledRate
  bound: number
  lastUsed: number
}

const INACTIVE_SENSOR_MS = 3600_000
const SWEEP_EVERY_MS = 60_000

const USER_ONLY = 1
const CLIENT_ONLY = 2
const USER_CLIENT = 4

export interface QuotaWindow {
  /** quota.window.size.seconds, in ms */
  readonly sampleMs: number
  /** quota.window.num */
  readonly numSamples: number
}

export class ClientQuotaManager {
  /** Entity key → quota value, for this quota key only. */
  private readonly overrides = new Map<string, number>()
  /** How many entities of each shape carry this quota (which shapes exist decides the quota id). */
  private readonly shapes = new Map<number, number>()
  private readonly sensors = new Map<string, Sensor>()
  private lastSweep = 0

  constructor(readonly key: string, private readonly window: QuotaWindow, private readonly maxThrottleMs = Infinity) {}

  get enabled(): boolean {
    return this.overrides.size > 0
  }

  /** Sets (a number) or removes (undefined) this quota for an entity. */
  update(entity: QuotaEntity, value: number | undefined): void {
    if ('ip' in entity) return
    const key = entityKey(entity)
    const had = this.overrides.has(key)
    const shape = ('user' in entity ? USER_ONLY : 0) | ('client-id' in entity ? CLIENT_ONLY : 0)
    const bit = shape === (USER_ONLY | CLIENT_ONLY) ? USER_CLIENT : shape
    if (value === undefined) {
      if (!had) return
      this.overrides.delete(key)
      this.shapes.set(bit, (this.shapes.get(bit) ?? 1) - 1)
    } else {
      this.overrides.set(key, value)
      if (!had) this.shapes.set(bit, (this.shapes.get(bit) ?? 0) + 1)
    }
    // Bounds follow at once; samples already recorded stay (Kafka changes the sensor's config).
    for (const [id, s] of this.sensors) {
      const [user, clientId] = splitId(id)
      s.bound = this.limit(user, clientId)
    }
  }

  /**
   * Records `value` (bytes, or a request-time percentage) for a client and answers how long it
   * must be throttled (ms) for its rate to come back under its quota; 0 when it is within it.
   */
  record(user: string, clientId: string, value: number, now: number): number {
    const s = this.sensor(user, clientId, now)
    s.rate.record(value, now)
    if (s.bound === Infinity) return 0
    const observed = s.rate.measure(now)
    if (observed <= s.bound) return 0
    return Math.min(this.maxThrottleMs, throttleTimeMs(observed, s.bound, s.rate.windowMs(now)))
  }

  /** Takes back a recorded value (a throttled fetch answers without its data). */
  unrecord(user: string, clientId: string, value: number, now: number): void {
    this.sensor(user, clientId, now).rate.record(-value, now)
  }

  /** The most a single request may use without being throttled whatever came before (caps a fetch's max bytes). */
  maxValueInWindow(user: string, clientId: string): number {
    const [u, c] = this.quotaId(user, clientId)
    const bound = this.limit(u, c)
    return bound === Infinity ? Infinity : bound * (this.window.numSamples - 1) * (this.window.sampleMs / 1000)
  }

  /** The quota that applies to a client (Infinity: none). */
  quotaFor(user: string, clientId: string): number {
    const [u, c] = this.quotaId(user, clientId)
    return this.limit(u, c)
  }

  private sensor(user: string, clientId: string, now: number): Sensor {
    const [u, c] = this.quotaId(user, clientId)
    const id = `${u}\u0000${c}`
    let s = this.sensors.get(id)
    if (!s) {
      s = { rate: new SampledRate(this.window.sampleMs, this.window.numSamples), bound: this.limit(u, c), lastUsed: now }
      this.sensors.set(id, s)
    }
    s.lastUsed = now
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now)
    return s
  }

  private sweep(now: number): void {
    this.lastSweep = now
    for (const [id, s] of this.sensors) if (now - s.lastUsed >= INACTIVE_SENSOR_MS) this.sensors.delete(id)
  }

  private has(e: QuotaEntity): boolean {
    return this.overrides.has(entityKey(e))
  }

  /** The (user, client-id) pair whose usage is measured together; '' for a part that is not. */
  quotaId(user: string, clientId: string): [string, string] {
    let shapes = 0
    for (const [bit, n] of this.shapes) if (n > 0) shapes |= bit
    switch (shapes) {
      case 0:
      case CLIENT_ONLY: return ['', clientId]
      case USER_ONLY: return [user, '']
      case USER_CLIENT: return [user, clientId]
    }
    // Several shapes: the first entity in precedence order that has this quota decides.
    if (this.has({ user, 'client-id': clientId }) || this.has({ user, 'client-id': null })) return [user, clientId]
    if (this.has({ user })) return [user, '']
    if (this.has({ user: null, 'client-id': clientId }) || this.has({ user: null, 'client-id': null })) return [user, clientId]
    if (this.has({ user: null })) return [user, '']
    return ['', clientId]
  }

  /** The quota of a quota id (Infinity: none). */
  private limit(user: string, clientId: string): number {
    const v = (e: QuotaEntity): number | undefined => this.overrides.get(entityKey(e))
    let q: number | undefined
    if (user !== '' && clientId !== '') {
      q = v({ user, 'client-id': clientId }) ?? v({ user, 'client-id': null }) ?? v({ user: null, 'client-id': clientId }) ?? v({ user: null, 'client-id': null })
    } else if (user !== '') {
      q = v({ user }) ?? v({ user: null })
    } else if (clientId !== '') {
      q = v({ 'client-id': clientId }) ?? v({ 'client-id': null })
    }
    return q ?? Infinity
  }
}

function splitId(id: string): [string, string] {
  const i = id.indexOf('\u0000')
  return [id.slice(0, i), id.slice(i + 1)]
}
