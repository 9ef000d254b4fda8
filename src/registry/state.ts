// The registry's state, changed only by replaying `_schemas` records in log order (at start-up and
// for every write, ours or another broker's): subjects and their versions, ids, configs and modes.
// Writers race only across brokers; the log order decides: the first record to bind an id to a
// schema, or a live version number to an id, wins, and a later conflicting record is ignored here
// the same way by every replica of the state (the losing writer sees it and retries).
import { decodeKey, decodeValue, toSchemaValue } from './records.ts'
import type { ConfigValue, RegistryKey, SchemaReference, SchemaType, SchemaValue } from './records.ts'

export interface SchemaContent {
  schemaType: SchemaType
  schema: string
  references: SchemaReference[]
}

/** Identity of a schema's content (type, canonical text, references): one id per content. */
export const contentKey = (c: SchemaContent): string =>
  JSON.stringify([c.schemaType, c.schema, c.references.map((r) => [r.name, r.subject, r.version])])

export type ApplyOutcome = 'applied' | 'ignored' | 'conflict'

export class RegistryState {
  /** subject → version → schema version (soft-deleted ones included, flagged). */
  readonly subjects = new Map<string, Map<number, SchemaValue>>()
  private readonly contentById = new Map<number, SchemaContent>()
  private readonly idByContent = new Map<string, number>()
  /** id → "subject\0version" of the versions using it, so an id disappears with its last version. */
  private readonly usersOfId = new Map<number, Set<string>>()
  /** Subject configs and modes; the global one under null. */
  readonly configs = new Map<string | null, ConfigValue>()
  readonly modes = new Map<string | null, string>()
  /** Highest id ever seen: new ids go above it, even after permanent deletes. */
  maxId = 0

  /** Applies one raw record of the topic; malformed or unknown records are ignored. */
  applyRecord(keyBytes: Buffer | null, valueBytes: Buffer | null): ApplyOutcome {
    const key = decodeKey(keyBytes)
    if (key === null) return 'ignored'
    const value = decodeValue(valueBytes)
    if (value === undefined) return 'ignored'
    return this.apply(key, value)
  }

  apply(key: RegistryKey, value: Record<string, unknown> | null): ApplyOutcome {
    switch (key.keytype) {
      case 'SCHEMA':
        return value === null ? this.tombstone(key.subject, key.version) : this.putSchema(key, value)
      case 'CONFIG':
        if (value === null) this.configs.delete(key.subject)
        else this.configs.set(key.subject, value as ConfigValue)
        return 'applied'
      case 'MODE':
        if (value === null) this.modes.delete(key.subject)
        else if (typeof value.mode === 'string') this.modes.set(key.subject, value.mode)
        return 'applied'
      case 'DELETE_SUBJECT': {
        // Soft delete: every version up to the one named is marked deleted.
        const upTo = Number(value?.version)
        for (const v of this.subjects.get(key.subject)?.values() ?? []) {
          if (v.version <= upTo) v.deleted = true
        }
        return 'applied'
      }
      case 'CLEAR_SUBJECT':
        // Written after a permanent delete: drops what soft-deleted versions remain.
        for (const v of [...this.subjects.get(key.subject)?.values() ?? []]) {
          if (v.deleted) this.tombstone(v.subject, v.version)
        }
        return 'applied'
      case 'NOOP':
        return 'ignored'
    }
  }

  private putSchema(key: { subject: string; version: number }, raw: Record<string, unknown>): ApplyOutcome {
    const value = toSchemaValue(raw, key)
    if (value === undefined) return 'ignored'
    const content: SchemaContent = { schemaType: value.schemaType, schema: value.schema, references: value.references }
    const ck = contentKey(content)
    const bound = this.contentById.get(value.id)
    if (bound !== undefined && contentKey(bound) !== ck) return 'conflict'
    const versions = this.subjects.get(key.subject) ?? new Map<number, SchemaValue>()
    const existing = versions.get(key.version)
    if (existing !== undefined && existing.id !== value.id) return 'conflict'
    versions.set(key.version, value)
    this.subjects.set(key.subject, versions)
    if (bound === undefined) this.contentById.set(value.id, content)
    if (!this.idByContent.has(ck)) this.idByContent.set(ck, value.id)
    let users = this.usersOfId.get(value.id)
    if (users === undefined) this.usersOfId.set(value.id, users = new Set())
    users.add(`${key.subject}\0${key.version}`)
    if (value.id > this.maxId) this.maxId = value.id
    return 'applied'
  }

  private tombstone(subject: string, version: number): ApplyOutcome {
    const versions = this.subjects.get(subject)
    const v = versions?.get(version)
    if (versions === undefined || v === undefined) return 'applied'
    versions.delete(version)
    if (versions.size === 0) this.subjects.delete(subject)
    const users = this.usersOfId.get(v.id)
    users?.delete(`${subject}\0${version}`)
    if (users !== undefined && users.size === 0) {
      this.usersOfId.delete(v.id)
      const content = this.contentById.get(v.id)
      this.contentById.delete(v.id)
      if (content !== undefined && this.idByContent.get(contentKey(content)) === v.id) this.idByContent.delete(contentKey(content))
    }
    return 'applied'
  }

  // --- queries ---

  schemaById(id: number): SchemaContent | undefined {
    return this.contentById.get(id)
  }

  idOf(content: SchemaContent): number | undefined {
    return this.idByContent.get(contentKey(content))
  }

  /** The versions of a subject in order, without soft-deleted ones unless asked. */
  versions(subject: string, includeDeleted = false): SchemaValue[] {
    const all = [...this.subjects.get(subject)?.values() ?? []].sort((a, b) => a.version - b.version)
    return includeDeleted ? all : all.filter((v) => !v.deleted)
  }

  version(subject: string, version: number): SchemaValue | undefined {
    return this.subjects.get(subject)?.get(version)
  }

  subjectNames(includeDeleted = false): string[] {
    return [...this.subjects.keys()].filter((s) => this.versions(s, includeDeleted).length > 0).sort()
  }

  /** (subject, version) pairs using an id. */
  usesOf(id: number, includeDeleted = false): SchemaValue[] {
    const out: SchemaValue[] = []
    for (const u of this.usersOfId.get(id) ?? []) {
      const [subject, version] = u.split('\0')
      const v = this.version(subject!, Number(version))
      if (v !== undefined && (includeDeleted || !v.deleted)) out.push(v)
    }
    return out.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version))
  }

  /** The versions (live, or all) whose references name subject/version. */
  referrers(subject: string, version: number, includeDeleted = false): SchemaValue[] {
    const out: SchemaValue[] = []
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if ((includeDeleted || !v.deleted) && v.references.some((r) => r.subject === subject && r.version === version)) out.push(v)
      }
    }
    return out
  }

  /** Ids of the versions whose references name subject/version. */
  referencedBy(subject: string, version: number, includeDeleted = false): number[] {
    return [...new Set(this.referrers(subject, version, includeDeleted).map((v) => v.id))].sort((a, b) => a - b)
  }
}
