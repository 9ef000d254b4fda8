// The registry's operations with Confluent's semantics (what the REST layer calls). Reads answer
// from the replayed state; writes run one at a time per registry, first catch up with the topic
// (other brokers may have written), decide, write one record and return once its replay applied
// it. A write that lost a race with another broker (the replay reports a conflict) is retried.
import type { KafkaStore } from './kafka-store.ts'
import { encodeJson, encodeSchemaValue } from './records.ts'
import type { ConfigValue, RegistryKey, SchemaReference, SchemaType, SchemaValue } from './records.ts'
import { contentKey } from './state.ts'
import type { SchemaContent } from './state.ts'
import { parseSchema } from './formats.ts'
import type { ParsedSchema, ResolvedReference } from './formats.ts'
import { DEFAULT_LEVEL, checkCompatibility, isLevel } from './compatibility.ts'
import type { CompatibilityLevel } from './compatibility.ts'
import * as E from './errors.ts'

export const MODES = ['READWRITE', 'READONLY', 'IMPORT'] as const
export type Mode = (typeof MODES)[number]

export interface SchemaRequest {
  schema: string
  schemaType?: SchemaType
  references?: SchemaReference[]
  /** IMPORT mode: the caller's id and version. */
  id?: number
  version?: number
}

const MAX_ATTEMPTS = 5

/** "latest", -1 or 1..2^31-1 (Confluent's rule); anything else is 42202. */
export function parseVersion(v: string): number | 'latest' {
  if (v === 'latest' || v === '-1') return 'latest'
  const n = Number(v)
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1 || n > 2 ** 31 - 1) throw E.invalidVersion(v)
  return n
}

export class SchemaRegistry {
  private lock: Promise<unknown> = Promise.resolve()
  private readonly parsed = new Map<number, { key: string; schema: ParsedSchema }>()

  constructor(private readonly store: KafkaStore) {}

  private get state() { return this.store.state }

  /** Runs writes one at a time, each after catching up with the topic. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(async () => { await this.store.sync(); return fn() })
    this.lock = run.catch(() => {})
    return run
  }

  // --- reads ---

  subjects(opts: { deleted?: boolean; prefix?: string } = {}): string[] {
    return this.state.subjectNames(opts.deleted).filter((s) => opts.prefix === undefined || s.startsWith(opts.prefix))
  }

  versions(subject: string, deleted = false): number[] {
    const vs = this.state.versions(subject, deleted)
    if (vs.length === 0) throw E.subjectNotFound(subject)
    return vs.map((v) => v.version)
  }

  version(subject: string, version: string, deleted = false): SchemaValue {
    const v = parseVersion(version)
    const all = this.state.versions(subject, true)
    if (all.length === 0 || (!deleted && all.every((x) => x.deleted))) throw E.subjectNotFound(subject)
    const visible = deleted ? all : all.filter((x) => !x.deleted)
    const found = v === 'latest' ? visible.at(-1) : visible.find((x) => x.version === v)
    if (found === undefined) throw E.versionNotFound(version)
    return found
  }

  /**
   * GET /schemas: the versions of every subject (or only each subject's latest), ordered by
   * subject then version as Confluent lists them, from `offset`, at most `limit` (negative: all).
   */
  schemas(opts: { prefix?: string; deleted?: boolean; latestOnly?: boolean; offset?: number; limit?: number } = {}): SchemaValue[] {
    const out: SchemaValue[] = []
    for (const subject of this.subjects({ deleted: opts.deleted, prefix: opts.prefix })) {
      const vs = this.state.versions(subject, opts.deleted)
      out.push(...(opts.latestOnly ? vs.slice(-1) : vs))
    }
    const from = Math.max(0, opts.offset ?? 0)
    const limit = opts.limit ?? -1
    return out.slice(from, limit < 0 ? undefined : from + limit)
  }

  schemaById(id: number): SchemaContent {
    const c = this.state.schemaById(id)
    if (c === undefined) throw E.schemaNotFound(id)
    return c
  }

  usesOf(id: number, deleted = false): SchemaValue[] {
    this.schemaById(id)
    return this.state.usesOf(id, deleted)
  }

  referencedBy(subject: string, version: string): number[] {
    const v = this.version(subject, version, true)
    return this.state.referencedBy(subject, v.version)
  }

  /** The version of `subject` holding this schema (POST /subjects/{s}). */
  lookup(subject: string, req: SchemaRequest, deleted = false): SchemaValue {
    const versions = this.state.versions(subject, deleted)
    if (versions.length === 0) throw E.subjectNotFound(subject)
    const key = contentKey(this.content(req, this.parse(req)))
    const found = versions.find((v) => contentKey(v) === key)
    if (found === undefined) throw E.schemaNotFound()
    return found
  }

  level(subject: string | null): CompatibilityLevel {
    const fromSubject = subject === null ? undefined : this.state.configs.get(subject)?.compatibilityLevel
    const level = fromSubject ?? this.state.configs.get(null)?.compatibilityLevel
    return isLevel(level) ? level : DEFAULT_LEVEL
  }

  config(subject: string | null, defaultToGlobal = false): ConfigValue {
    if (subject === null) return { ...this.state.configs.get(null), compatibilityLevel: this.level(null) }
    const own = this.state.configs.get(subject)
    if (own !== undefined) return own
    if (defaultToGlobal) return this.config(null)
    throw E.subjectConfigNotFound(subject)
  }

  mode(subject: string | null, defaultToGlobal = false): Mode {
    const own = this.state.modes.get(subject)
    if (own !== undefined) return own as Mode
    if (subject !== null && !defaultToGlobal) throw E.subjectModeNotFound(subject)
    return (this.state.modes.get(null) as Mode | undefined) ?? 'READWRITE'
  }

  private effectiveMode(subject: string): Mode {
    return this.mode(subject, true)
  }

  private assertWritable(subject: string | null): void {
    const mode = subject === null ? this.mode(null) : this.effectiveMode(subject)
    if (mode === 'READONLY') throw E.notPermitted(subject === null ? 'The registry is in read-only mode' : `Subject ${subject} is in read-only mode`)
  }

  // --- schemas, references, compatibility ---

  /** The references' schemas, dependencies first (a reference's own references come before it). */
  private resolveReferences(refs: readonly SchemaReference[], seen = new Set<string>()): ResolvedReference[] {
    const out: ResolvedReference[] = []
    for (const ref of refs) {
      const target = ref.version === -1 ? this.state.versions(ref.subject).at(-1) : this.state.version(ref.subject, ref.version)
      if (target === undefined) throw E.invalidSchema(`reference '${ref.name}' names ${ref.subject} version ${ref.version}, which does not exist`)
      const k = `${target.subject}\0${target.version}`
      if (seen.has(k)) continue
      seen.add(k)
      out.push(...this.resolveReferences(target.references, seen))
      out.push({ name: ref.name, schemaType: target.schemaType, schema: target.schema })
    }
    return out
  }

  private parse(req: SchemaRequest): ParsedSchema {
    if (typeof req.schema !== 'string' || req.schema.trim() === '') throw E.invalidSchema('the request has no schema')
    return parseSchema(req.schemaType ?? 'AVRO', req.schema, this.resolveReferences(req.references ?? []))
  }

  /** The parsed schema of an id, or undefined when no live or soft-deleted version uses it (cached per content). */
  parsedById(id: number): ParsedSchema | undefined {
    const content = this.state.schemaById(id)
    if (content === undefined) return undefined
    const key = contentKey(content)
    const cached = this.parsed.get(id)
    if (cached?.key === key) return cached.schema
    const schema = parseSchema(content.schemaType, content.schema, this.resolveReferences(content.references))
    this.parsed.set(id, { key, schema })
    return schema
  }

  /** Catches up with the topic (writes made through other brokers). */
  sync(): Promise<void> {
    return this.store.sync()
  }

  private parseStored(v: SchemaValue): ParsedSchema {
    return parseSchema(v.schemaType, v.schema, this.resolveReferences(v.references))
  }

  private content(req: SchemaRequest, parsed: ParsedSchema): SchemaContent {
    const references = (req.references ?? []).map((r) => {
      // A "latest" (-1) reference is pinned to the version it resolves to now.
      const version = r.version === -1 ? this.state.versions(r.subject).at(-1)?.version ?? -1 : r.version
      return { name: r.name, subject: r.subject, version }
    })
    return { schemaType: parsed.schemaType, schema: parsed.canonical, references }
  }

  /** POST /compatibility/subjects/{s}/versions/{v}: messages, empty when compatible. */
  testCompatibility(subject: string, version: string | undefined, req: SchemaRequest): string[] {
    const candidate = this.parse(req)
    const live = this.state.versions(subject)
    const level = this.level(subject)
    if (version === undefined) return checkCompatibility(level, candidate, live.map((v) => this.parseStored(v)))
    const v = parseVersion(version)
    if (live.length === 0) throw E.subjectNotFound(subject)
    if (v === 'latest') return checkCompatibility(level, candidate, live.map((x) => this.parseStored(x)))
    const target = live.find((x) => x.version === v)
    if (target === undefined) throw E.versionNotFound(version)
    return checkCompatibility(level, candidate, [this.parseStored(target)])
  }

  // --- writes ---

  /** POST /subjects/{s}/versions: the id of the schema under this subject (registered if new). */
  register(subject: string, req: SchemaRequest): Promise<{ id: number; version: number }> {
    return this.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        const result = this.prepareRegistration(subject, req)
        if ('existing' in result) return result.existing
        const outcome = await this.store.put({ keytype: 'SCHEMA', subject, version: result.value.version }, encodeSchemaValue(result.value))
        if (outcome !== 'conflict') return { id: result.value.id, version: result.value.version }
        await this.repair(result.value)
        if (attempt === MAX_ATTEMPTS || req.id !== undefined) throw E.storeError(`registering under ${subject} kept conflicting with other writers`)
      }
    })
  }

  private prepareRegistration(subject: string, req: SchemaRequest): { existing: { id: number; version: number } } | { value: SchemaValue } {
    const mode = this.effectiveMode(subject)
    if (mode === 'READONLY') throw E.notPermitted(`Subject ${subject} is in read-only mode`)
    if (req.id !== undefined && mode !== 'IMPORT') throw E.notPermitted(`Subject ${subject} is not in import mode; an id may only be given in IMPORT mode`)
    const parsed = this.parse(req)
    const content = this.content(req, parsed)
    const key = contentKey(content)
    const all = this.state.versions(subject, true)
    const live = all.filter((v) => !v.deleted)
    const same = live.find((v) => contentKey(v) === key)
    if (same !== undefined && (req.id === undefined || req.id === same.id)) return { existing: { id: same.id, version: same.version } }
    if (mode !== 'IMPORT') {
      const messages = checkCompatibility(this.level(subject), parsed, live.map((v) => this.parseStored(v)))
      if (messages.length > 0) throw E.incompatible(messages)
    }
    let id: number
    if (req.id !== undefined) {
      const bound = this.state.schemaById(req.id)
      if (bound !== undefined && contentKey(bound) !== key) throw E.idMismatch(`Overwrite new schema with id ${req.id} is not permitted.`)
      id = req.id
    } else {
      id = this.state.idOf(content) ?? this.state.maxId + 1
    }
    const version = req.version ?? (all.at(-1)?.version ?? 0) + 1
    if (req.version !== undefined && this.state.version(subject, req.version) !== undefined) {
      throw E.notPermitted(`Subject ${subject} already has a version ${req.version}`)
    }
    return { value: { subject, version, id, schemaType: content.schemaType, references: content.references, schema: content.schema, deleted: false } }
  }

  /**
   * After losing a race for a version number, our record is the key's latest value in the topic:
   * rewrite the winner's value over it so compaction keeps the winner.
   */
  private async repair(ours: SchemaValue): Promise<void> {
    const winner = this.state.version(ours.subject, ours.version)
    if (winner !== undefined && winner.id !== ours.id) {
      await this.store.put({ keytype: 'SCHEMA', subject: winner.subject, version: winner.version }, encodeSchemaValue(winner))
    }
  }

  /** DELETE /subjects/{s}/versions/{v}[?permanent=true]: the version deleted. */
  deleteVersion(subject: string, version: string, permanent: boolean): Promise<number> {
    return this.exclusive(async () => {
      this.assertWritable(subject)
      const all = this.state.versions(subject, true)
      if (all.length === 0) throw E.subjectNotFound(subject)
      const v = parseVersion(version)
      const pool = permanent ? all : all.filter((x) => !x.deleted)
      const target = v === 'latest' ? pool.at(-1) : all.find((x) => x.version === v)
      if (target === undefined) throw E.versionNotFound(version)
      const users = this.state.referencedBy(subject, target.version, permanent)
      if (users.length > 0) throw E.referenceExists(`${subject} version ${target.version} (used by ids ${users.join(', ')})`)
      const key: RegistryKey = { keytype: 'SCHEMA', subject, version: target.version }
      if (permanent) {
        if (!target.deleted) throw E.versionNotSoftDeleted(subject, target.version)
        await this.store.put(key, null)
      } else {
        if (target.deleted) throw E.versionSoftDeleted(subject, target.version)
        await this.store.put(key, encodeSchemaValue({ ...target, deleted: true }))
      }
      return target.version
    })
  }

  /** DELETE /subjects/{s}[?permanent=true]: the versions deleted. */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.exclusive(async () => {
      this.assertWritable(subject)
      const all = this.state.versions(subject, true)
      if (all.length === 0) throw E.subjectNotFound(subject)
      const live = all.filter((v) => !v.deleted)
      for (const v of all) {
        // References from within the subject go with it.
        const users = this.state.referrers(subject, v.version, permanent).filter((r) => r.subject !== subject)
        if (users.length > 0) throw E.referenceExists(`${subject} version ${v.version} (used by ${users.map((u) => `${u.subject} version ${u.version}`).join(', ')})`)
      }
      if (!permanent) {
        if (live.length === 0) throw E.subjectSoftDeleted(subject)
        await this.store.put({ keytype: 'DELETE_SUBJECT', subject }, encodeJson({ subject, version: live.at(-1)!.version }))
        return live.map((v) => v.version)
      }
      if (live.length > 0) throw E.subjectNotSoftDeleted(subject)
      // Newest first, so a version referencing an older one of the same subject goes before it.
      for (const v of [...all].reverse()) await this.store.put({ keytype: 'SCHEMA', subject, version: v.version }, null)
      if (this.state.modes.has(subject)) await this.store.put({ keytype: 'MODE', subject }, null)
      if (this.state.configs.has(subject)) await this.store.put({ keytype: 'CONFIG', subject }, null)
      return all.map((v) => v.version)
    })
  }

  /** PUT /config[/{s}]. */
  setConfig(subject: string | null, level: unknown, normalize?: unknown): Promise<ConfigValue> {
    const upper = typeof level === 'string' ? level.toUpperCase() : level
    if (!isLevel(upper)) return Promise.reject(E.invalidCompatibility())
    return this.exclusive(async () => {
      this.assertWritable(subject)
      const value: ConfigValue = { ...this.state.configs.get(subject), compatibilityLevel: upper }
      if (typeof normalize === 'boolean') value.normalize = normalize
      await this.store.put({ keytype: 'CONFIG', subject }, encodeJson(value))
      return value
    })
  }

  /** DELETE /config[/{s}]: the config that was in force. */
  deleteConfig(subject: string | null): Promise<ConfigValue> {
    return this.exclusive(async () => {
      this.assertWritable(subject)
      const old = this.config(subject)
      await this.store.put({ keytype: 'CONFIG', subject }, null)
      return old
    })
  }

  /** PUT /mode[/{s}]. IMPORT needs an empty registry (or subject) unless forced, as Confluent's does. */
  setMode(subject: string | null, mode: unknown, force: boolean): Promise<Mode> {
    const upper = typeof mode === 'string' ? mode.toUpperCase() : ''
    if (!(MODES as readonly string[]).includes(upper)) return Promise.reject(E.invalidMode(String(mode)))
    return this.exclusive(async () => {
      if (upper === 'IMPORT' && !force) {
        const existing = subject === null ? this.state.subjectNames(true) : this.state.versions(subject, true)
        if (existing.length > 0) throw E.notPermitted('Cannot import since found existing subjects')
      }
      await this.store.put({ keytype: 'MODE', subject }, encodeJson({ subject, mode: upper }))
      return upper as Mode
    })
  }

  /** DELETE /mode/{s}: the mode that was set. */
  deleteMode(subject: string): Promise<Mode> {
    return this.exclusive(async () => {
      const old = this.mode(subject)
      await this.store.put({ keytype: 'MODE', subject }, null)
      return old
    })
  }
}
