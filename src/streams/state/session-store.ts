// Session stores (the interface), and in memory: aggregates per (key, session [start, end]), kept for `retentionMs`
// behind the largest session end put. Changelog records are keyed [key bytes][8-byte end][8-byte start].
import type { Serde } from '../serdes.ts'
import type { ChangeLogger, RestorableStore, ValueCodec } from './kv-store.ts'
import { keyBytesOf, keyString } from './bytes-store.ts'
import type { Windowed } from './window-store.ts'

/** A session store (in memory here; on disk in persistent-session-store.ts). */
export interface SessionStore<K, V> extends RestorableStore {
  readonly retentionMs: number
  put(session: Windowed<K>, value: V | null): void
  remove(session: Windowed<K>): void
  /** Sessions of `key` with end >= earliestSessionEndTime and start <= latestSessionStartTime, by end. */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): { key: Windowed<K>; value: V }[]
  fetchSession(key: K, start: number, end: number): V | null
  /** Every session of `key`. */
  fetch(key: K): { key: Windowed<K>; value: V }[]
}

interface Session {
  start: number
  end: number
  value: Buffer
}

export class InMemorySessionStore<K, V> implements SessionStore<K, V> {
  readonly persistent = false
  private readonly byKey = new Map<string, { key: Buffer; sessions: Session[] }>()
  private observed = -Infinity

  constructor(
    readonly name: string,
    readonly retentionMs: number,
    private readonly keySerde: Serde<K>,
    private readonly codec: ValueCodec<V>,
    private readonly logger: ChangeLogger | null,
  ) {}

  private keyBytes(k: K): Buffer {
    return keyBytesOf(this.keySerde, k, this.name, this.name)
  }

  put(session: Windowed<K>, value: V | null): void {
    const k = this.keyBytes(session.key)
    const v = value === null ? null : this.codec.encode(value, this.name)
    this.putBytes(k, session.window.start, session.window.end, v)
    this.logger?.log(sessionChangelogKey(k, session.window.start, session.window.end), v, session.window.end)
  }

  remove(session: Windowed<K>): void {
    this.put(session, null)
  }

  private putBytes(k: Buffer, start: number, end: number, v: Buffer | null): void {
    if (end > this.observed) this.observed = end
    const ks = keyString(k)
    let entry = this.byKey.get(ks)
    if (entry === undefined) {
      if (v === null) return
      this.byKey.set(ks, (entry = { key: k, sessions: [] }))
    }
    const i = entry.sessions.findIndex((s) => s.start === start && s.end === end)
    if (v === null) {
      if (i >= 0) entry.sessions.splice(i, 1)
      if (entry.sessions.length === 0) this.byKey.delete(ks)
      return
    }
    if (i >= 0) entry.sessions[i]!.value = v
    else {
      entry.sessions.push({ start, end, value: v })
      entry.sessions.sort((a, b) => a.end - b.end || a.start - b.start)
    }
    const limit = this.observed - this.retentionMs
    while (entry.sessions.length > 0 && entry.sessions[0]!.end <= limit) entry.sessions.shift()
  }

  /** Sessions of `key` with end >= earliestSessionEndTime and start <= latestSessionStartTime, by end. */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): { key: Windowed<K>; value: V }[] {
    const entry = this.byKey.get(keyString(this.keyBytes(key)))
    if (entry === undefined) return []
    const limit = this.observed - this.retentionMs
    return entry.sessions
      .filter((s) => s.end > limit && s.end >= earliestSessionEndTime && s.start <= latestSessionStartTime)
      .map((s) => ({ key: { key, window: { start: s.start, end: s.end } }, value: this.codec.decode(s.value, this.name) }))
  }

  fetchSession(key: K, start: number, end: number): V | null {
    const s = this.byKey.get(keyString(this.keyBytes(key)))?.sessions.find((x) => x.start === start && x.end === end)
    return s === undefined ? null : this.codec.decode(s.value, this.name)
  }

  /** Every session of `key`. */
  fetch(key: K): { key: Windowed<K>; value: V }[] {
    return this.findSessions(key, -Infinity, Infinity)
  }

  restore(key: Buffer, value: Buffer | null): void {
    const n = key.length - 16
    this.putBytes(key.subarray(0, n), key.readDoubleBE(n + 8), key.readDoubleBE(n), value)
  }

  wipe(): void {
    this.byKey.clear()
    this.observed = -Infinity
  }

  flush(): void {}

  close(): void {}
}

export function sessionChangelogKey(k: Buffer, start: number, end: number): Buffer {
  const b = Buffer.allocUnsafe(k.length + 16)
  k.copy(b, 0)
  b.writeDoubleBE(end, k.length)
  b.writeDoubleBE(start, k.length + 8)
  return b
}
