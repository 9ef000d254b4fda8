// Kafka's connection quotas (KIP-308 per-listener limits, KIP-402, KIP-612), the decisions only:
// the accept loop (net/accept-gate.ts) asks them and holds or closes sockets accordingly.
// - max.connections (broker-wide) and listener.name.<l>.max.connections: a new connection waits
//   until a slot frees; the inter-broker listener is exempt from the broker-wide limit when the
//   broker has other listeners (Kafka's protected listener).
// - max.connection.creation.rate (broker-wide and per listener): every accepted connection is
//   recorded; when the rate is above the limit, accepting waits for the time that brings the rate
//   back to it (the longer of the two delays), at most one quota window.
// - connection_creation_rate of an `ip` quota entity (AlterClientQuotas; a named IP, else the
//   default IP entity): a connection over it is not served and closed after its throttle time,
//   and it is taken back from every rate it was recorded in.
// - max.connections.per.ip with max.connections.per.ip.overrides (`ip:count,...`): one more is
//   closed at once.
// Rates are Kafka's windowed rates (quota.window.num samples of quota.window.size.seconds).
// Time is passed in, never read here.
import { isIP } from 'node:net'
import { SampledRate, throttleTimeMs } from '../quota/sampled-rate.ts'

export interface ConnectionQuotaLimits {
  /** max.connections */
  maxConnections(): number
  /** listener.name.<l>.max.connections (the broker-wide value when not overridden: then only the broker limit applies) */
  listenerMaxConnections(listener: string): number
  /** max.connection.creation.rate */
  maxConnectionCreationRate(): number
  /** listener.name.<l>.max.connection.creation.rate */
  listenerMaxConnectionCreationRate(listener: string): number
  /** max.connections.per.ip */
  maxConnectionsPerIp(): number
  /** max.connections.per.ip.overrides, parsed (normalized IP → count) */
  maxConnectionsPerIpOverrides(): ReadonlyMap<string, number>
  /** The inter-broker listener's name, if any. */
  readonly interBrokerListener?: string
  /** quota.window.size.seconds in ms, and quota.window.num */
  readonly window: { readonly sampleMs: number, readonly numSamples: number }
}

/** Kafka's "no limit" value of the rate configs and of the ip quota (Int.MaxValue). */
export const UNLIMITED = 2 ** 31 - 1

/** What the gate does with a connection that has a slot and has waited out the accept delay. */
export type Admission =
  | { readonly kind: 'accept' }
  /** Over its IP's connection_creation_rate: hold the socket unserved, close it after `ms`. */
  | { readonly kind: 'throttle', readonly ms: number, readonly rate: number }
  /** max.connections.per.ip reached: close now. */
  | { readonly kind: 'too-many', readonly max: number }

interface IpSensor {
  readonly rate: SampledRate
  lastUsed: number
}

/** An IP ip address as a map key: IPv4-mapped IPv6 as the IPv4 address, IPv6 in its short form. */
export function normalizeIp(address: string): string {
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return address.slice(7)
  if (isIP(address) === 6) {
    try {
      return new URL(`http://[${address}]/`).hostname.slice(1, -1)
    } catch {
      return address.toLowerCase()
    }
  }
  return address
}

/** A host as Kafka's Utils.validHostPattern takes it (letters, digits, `-%._:`). */
const VALID_HOST = /^[0-9a-zA-Z\-%._:]*$/

/**
 * Parses max.connections.per.ip.overrides (`host:count,...`; IPv6 addresses keep their colons):
 * addresses normalized, host names as given (the caller resolves them, as Kafka does when it
 * reads the config). Throws with the reason.
 */
export function parsePerIpOverrides(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const entry of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const colon = entry.lastIndexOf(':')
    const host = colon > 0 ? entry.slice(0, colon).trim().replace(/^\[(.*)\]$/, '$1') : ''
    const count = colon > 0 ? Number(entry.slice(colon + 1).trim()) : NaN
    if (!Number.isInteger(count) || count < 0) throw new Error(`"${entry}" is not <host>:<count>`)
    if (host === '' || !VALID_HOST.test(host)) throw new Error(`contains invalid addresses : ${host}`)
    out.set(isIP(host) === 0 ? host : normalizeIp(host), count)
  }
  return out
}

const IP_SENSOR_IDLE_MS = 3600_000
const SWEEP_EVERY_MS = 60_000

export class ConnectionQuotas {
  private total = 0
  private readonly byListener = new Map<string, number>()
  private readonly byIp = new Map<string, number>()
  private readonly brokerRate: SampledRate
  private readonly listenerRates = new Map<string, SampledRate>()
  private readonly ipRates = new Map<string, IpSensor>()
  /** connection_creation_rate by IP (normalized), and the default IP entity's. */
  private readonly ipQuotas = new Map<string, number>()
  private defaultIpQuota = UNLIMITED
  private lastSweep = 0
  /** The longest accept delay or IP throttle: one quota window, as Kafka. */
  readonly maxThrottleMs: number

  constructor(private readonly limits: ConnectionQuotaLimits) {
    this.brokerRate = this.newRate()
    this.maxThrottleMs = limits.window.sampleMs
  }

  private newRate(): SampledRate {
    return new SampledRate(this.limits.window.sampleMs, this.limits.window.numSamples)
  }

  get connectionCount(): number {
    return this.total
  }

  countOf(ip: string): number {
    return this.byIp.get(normalizeIp(ip)) ?? 0
  }

  /** Sets (a number) or removes (undefined) the connection_creation_rate of an IP, or of the default IP entity (ip null). */
  setIpConnectionRate(ip: string | null, rate: number | undefined): void {
    if (ip === null) this.defaultIpQuota = rate ?? UNLIMITED
    else if (rate === undefined) this.ipQuotas.delete(normalizeIp(ip))
    else this.ipQuotas.set(normalizeIp(ip), rate)
  }

  /** The connection_creation_rate that applies to `ip` (UNLIMITED: none). */
  connectionRateFor(ip: string): number {
    return this.ipQuotas.get(normalizeIp(ip)) ?? this.defaultIpQuota
  }

  maxConnectionsFor(ip: string): number {
    return this.limits.maxConnectionsPerIpOverrides().get(normalizeIp(ip)) ?? this.limits.maxConnectionsPerIp()
  }

  /** Kafka's protected listener: the inter-broker one, when the broker has others. */
  private isProtected(listener: string): boolean {
    return listener === this.limits.interBrokerListener && this.byListener.size > 1
  }

  /** Registers a listener (its count starts at 0). */
  addListener(listener: string): void {
    if (!this.byListener.has(listener)) this.byListener.set(listener, 0)
  }

  /** Whether a new connection on `listener` may be taken now (the connection limits). */
  slotAvailable(listener: string): boolean {
    if ((this.byListener.get(listener) ?? 0) >= this.limits.listenerMaxConnections(listener)) return false
    return this.isProtected(listener) || this.total < this.limits.maxConnections()
  }

  /**
   * Records a connection about to be accepted on `listener` in the broker and listener rates and
   * returns how long (ms) accepting must wait so they stay within their limits (0: none).
   */
  recordAccept(listener: string, now: number): number {
    const broker = this.isProtected(listener) ? 0 : record(this.brokerRate, this.limits.maxConnectionCreationRate(), now, this.maxThrottleMs)
    let rate = this.listenerRates.get(listener)
    if (!rate) this.listenerRates.set(listener, rate = this.newRate())
    return Math.max(broker, record(rate, this.limits.listenerMaxConnectionCreationRate(listener), now, this.maxThrottleMs))
  }

  /**
   * The IP checks of a connection that has a slot and waited out its accept delay; on 'accept' it
   * is counted (release() it when it closes).
   */
  admit(listener: string, address: string, now: number): Admission {
    const ip = normalizeIp(address)
    const quota = this.connectionRateFor(ip)
    if (quota !== UNLIMITED) {
      this.sweep(now)
      let sensor = this.ipRates.get(ip)
      if (!sensor) this.ipRates.set(ip, sensor = { rate: this.newRate(), lastUsed: now })
      sensor.lastUsed = now
      const ms = record(sensor.rate, quota, now, this.maxThrottleMs)
      if (ms > 0) {
        // Not accepted: taken back from every rate, so a throttled flood does not slow everyone.
        sensor.rate.record(-1, now)
        if (!this.isProtected(listener)) this.brokerRate.record(-1, now)
        this.listenerRates.get(listener)?.record(-1, now)
        return { kind: 'throttle', ms, rate: quota }
      }
    }
    const max = this.maxConnectionsFor(ip)
    if ((this.byIp.get(ip) ?? 0) >= max) return { kind: 'too-many', max }
    this.byIp.set(ip, (this.byIp.get(ip) ?? 0) + 1)
    this.byListener.set(listener, (this.byListener.get(listener) ?? 0) + 1)
    this.total++
    return { kind: 'accept' }
  }

  /** An admitted connection closed. */
  release(listener: string, address: string): void {
    const ip = normalizeIp(address)
    const n = (this.byIp.get(ip) ?? 1) - 1
    if (n <= 0) this.byIp.delete(ip)
    else this.byIp.set(ip, n)
    this.byListener.set(listener, Math.max(0, (this.byListener.get(listener) ?? 1) - 1))
    this.total = Math.max(0, this.total - 1)
  }

  /** IP sensors idle for an hour are forgotten (Kafka's sensor expiry). */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return
    this.lastSweep = now
    for (const [ip, s] of this.ipRates) if (now - s.lastUsed >= IP_SENSOR_IDLE_MS) this.ipRates.delete(ip)
  }
}

/** Records one connection in `rate`; the delay (ms, at most `maxMs`) when that puts it above `bound`, else 0. */
function record(rate: SampledRate, bound: number, now: number, maxMs: number): number {
  rate.record(1, now)
  if (bound >= UNLIMITED) return 0
  const observed = rate.measure(now)
  if (observed <= bound) return 0
  return Math.min(maxMs, Math.max(1, throttleTimeMs(observed, bound, rate.windowMs(now))))
}
