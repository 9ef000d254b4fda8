// The __consumer_offsets record codecs of the KIP-848 consumer groups and KIP-932 share groups,
// which are built alike: key = int16 record type + a v0 struct holding the group id (and a member
// id for member records), value = int16 version + a v0 struct (null for a tombstone). A table of
// record kind → generated key and value codecs is all a group type supplies; this maps record
// types to kinds, encodes and decodes, and knows which record types are read past at load.
import type { Reader, Writer } from '../../../protocol/primitives/index.ts'

export interface Codec<T> {
  readonly recordType: number
  encode(w: Writer, v: T, version: number): void
  size(v: T, version: number): number
  decode(r: Reader, version: number): T
}

/** A record kind's codecs (all written at version 0, as Kafka writes them). */
export interface KindCodecs {
  readonly key: Codec<{ groupId: string, memberId?: string }>
  readonly value: Omit<Codec<unknown>, 'recordType'>
}

/** A decoded record: its kind, group, member (member records) and value (null: tombstone). */
export interface MemberGroupRecord {
  readonly type: string
  readonly group: string
  readonly value: unknown
}

export class MemberGroupRecordCodecs<R extends MemberGroupRecord> {
  private readonly kindOfType: Map<number, R['type']>
  private readonly skipped: ReadonlySet<number>

  /** `skipped`: record types of this group type that are read past at load. */
  constructor(private readonly codecs: Readonly<Record<R['type'], KindCodecs>>, skipped: readonly number[]) {
    this.kindOfType = new Map(Object.entries<KindCodecs>(codecs).map(([kind, c]) => [c.key.recordType, kind as R['type']]))
    this.skipped = new Set(skipped)
  }

  isRecordType(recordType: number): boolean {
    return this.kindOfType.has(recordType) || this.skipped.has(recordType)
  }

  /** Key and value bytes of one record, including the int16 prefix of each. */
  encode(rec: R, newWriter: (size: number) => Writer): { key: Buffer, value: Buffer | null } {
    const codec = this.codecs[rec.type as R['type']]
    const key = 'memberId' in rec ? { groupId: rec.group, memberId: rec.memberId as string } : { groupId: rec.group }
    const kw = newWriter(2 + codec.key.size(key, 0))
    kw.int16(codec.key.recordType)
    codec.key.encode(kw, key, 0)
    if (rec.value === null) return { key: kw.finish(), value: null }
    const vw = newWriter(2 + codec.value.size(rec.value, 0))
    vw.int16(0)
    codec.value.encode(vw, rec.value, 0)
    return { key: kw.finish(), value: vw.finish() }
  }

  /** Decodes a record whose key type was already read from `kr`; null for skipped types. */
  decode(recordType: number, kr: Reader, valueReader: Reader | null): R | null {
    const kind = this.kindOfType.get(recordType)
    if (kind === undefined) return null
    const codec = this.codecs[kind]
    const key = codec.key.decode(kr, 0)
    let value: unknown = null
    if (valueReader !== null) {
      valueReader.int16()
      // Newer value versions add only tagged fields; read them with the v0 schema (flexible).
      value = codec.value.decode(valueReader, 0)
    }
    const base = { type: kind, group: key.groupId, value }
    return (key.memberId === undefined ? base : { ...base, memberId: key.memberId }) as unknown as R
  }
}
