// KIP-848 consumer-group records in __consumer_offsets, in Kafka's schemas: key = int16 record
// type + struct v0, value = int16 version + struct v0 (null for a tombstone). Types 3 (group
// epoch), 5 (member subscription), 6 (target assignment epoch), 7 (a member's target
// assignment) and 8 (a member's current assignment) are what a consumer group is rebuilt from.
// Types 4 (subscription metadata, superseded by the metadata hash) and 16 (resolved regular
// expressions) are read past: the regex is resolved again from the member's subscription.
import type { Reader, Writer } from '../../../protocol/primitives/index.ts'
import * as gk from '../../../protocol/generated/group-coordinator/consumer-group-metadata-key.ts'
import * as gv from '../../../protocol/generated/group-coordinator/consumer-group-metadata-value.ts'
import * as mk from '../../../protocol/generated/group-coordinator/consumer-group-member-metadata-key.ts'
import * as mv from '../../../protocol/generated/group-coordinator/consumer-group-member-metadata-value.ts'
import * as tmk from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-metadata-key.ts'
import * as tmv from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-metadata-value.ts'
import * as tak from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-member-key.ts'
import * as tav from '../../../protocol/generated/group-coordinator/consumer-group-target-assignment-member-value.ts'
import * as cak from '../../../protocol/generated/group-coordinator/consumer-group-current-member-assignment-key.ts'
import * as cav from '../../../protocol/generated/group-coordinator/consumer-group-current-member-assignment-value.ts'
import { ConsumerGroupPartitionMetadataKeyRecordType } from '../../../protocol/generated/group-coordinator/consumer-group-partition-metadata-key.ts'
import { ConsumerGroupRegularExpressionKeyRecordType } from '../../../protocol/generated/group-coordinator/consumer-group-regular-expression-key.ts'

export type ConsumerGroupMetadataValue = gv.ConsumerGroupMetadataValue
export type ConsumerGroupMemberMetadataValue = mv.ConsumerGroupMemberMetadataValue
export type ConsumerGroupTargetAssignmentMetadataValue = tmv.ConsumerGroupTargetAssignmentMetadataValue
export type ConsumerGroupTargetAssignmentMemberValue = tav.ConsumerGroupTargetAssignmentMemberValue
export type ConsumerGroupCurrentMemberAssignmentValue = cav.ConsumerGroupCurrentMemberAssignmentValue

export type ConsumerGroupRecord =
  | { readonly type: 'cg-epoch', readonly group: string, readonly value: ConsumerGroupMetadataValue | null }
  | { readonly type: 'cg-member', readonly group: string, readonly memberId: string, readonly value: ConsumerGroupMemberMetadataValue | null }
  | { readonly type: 'cg-target-epoch', readonly group: string, readonly value: ConsumerGroupTargetAssignmentMetadataValue | null }
  | { readonly type: 'cg-target', readonly group: string, readonly memberId: string, readonly value: ConsumerGroupTargetAssignmentMemberValue | null }
  | { readonly type: 'cg-current', readonly group: string, readonly memberId: string, readonly value: ConsumerGroupCurrentMemberAssignmentValue | null }

interface Codec<T> {
  readonly recordType: number
  encode(w: Writer, v: T, version: number): void
  size(v: T, version: number): number
  decode(r: Reader, version: number): T
}

// One table: record type ↔ key and value codecs (all at version 0, as Kafka writes them).
const CODECS = {
  'cg-epoch': {
    key: { recordType: gk.ConsumerGroupMetadataKeyRecordType, encode: gk.encodeConsumerGroupMetadataKey, size: gk.sizeConsumerGroupMetadataKey, decode: gk.decodeConsumerGroupMetadataKey },
    value: { recordType: 0, encode: gv.encodeConsumerGroupMetadataValue, size: gv.sizeConsumerGroupMetadataValue, decode: gv.decodeConsumerGroupMetadataValue },
  },
  'cg-member': {
    key: { recordType: mk.ConsumerGroupMemberMetadataKeyRecordType, encode: mk.encodeConsumerGroupMemberMetadataKey, size: mk.sizeConsumerGroupMemberMetadataKey, decode: mk.decodeConsumerGroupMemberMetadataKey },
    value: { recordType: 0, encode: mv.encodeConsumerGroupMemberMetadataValue, size: mv.sizeConsumerGroupMemberMetadataValue, decode: mv.decodeConsumerGroupMemberMetadataValue },
  },
  'cg-target-epoch': {
    key: { recordType: tmk.ConsumerGroupTargetAssignmentMetadataKeyRecordType, encode: tmk.encodeConsumerGroupTargetAssignmentMetadataKey, size: tmk.sizeConsumerGroupTargetAssignmentMetadataKey, decode: tmk.decodeConsumerGroupTargetAssignmentMetadataKey },
    value: { recordType: 0, encode: tmv.encodeConsumerGroupTargetAssignmentMetadataValue, size: tmv.sizeConsumerGroupTargetAssignmentMetadataValue, decode: tmv.decodeConsumerGroupTargetAssignmentMetadataValue },
  },
  'cg-target': {
    key: { recordType: tak.ConsumerGroupTargetAssignmentMemberKeyRecordType, encode: tak.encodeConsumerGroupTargetAssignmentMemberKey, size: tak.sizeConsumerGroupTargetAssignmentMemberKey, decode: tak.decodeConsumerGroupTargetAssignmentMemberKey },
    value: { recordType: 0, encode: tav.encodeConsumerGroupTargetAssignmentMemberValue, size: tav.sizeConsumerGroupTargetAssignmentMemberValue, decode: tav.decodeConsumerGroupTargetAssignmentMemberValue },
  },
  'cg-current': {
    key: { recordType: cak.ConsumerGroupCurrentMemberAssignmentKeyRecordType, encode: cak.encodeConsumerGroupCurrentMemberAssignmentKey, size: cak.sizeConsumerGroupCurrentMemberAssignmentKey, decode: cak.decodeConsumerGroupCurrentMemberAssignmentKey },
    value: { recordType: 0, encode: cav.encodeConsumerGroupCurrentMemberAssignmentValue, size: cav.sizeConsumerGroupCurrentMemberAssignmentValue, decode: cav.decodeConsumerGroupCurrentMemberAssignmentValue },
  },
} as const

type Kind = ConsumerGroupRecord['type']
const KIND_OF_TYPE = new Map<number, Kind>(Object.entries(CODECS).map(([kind, c]) => [c.key.recordType, kind as Kind]))
/** Consumer-group record types read past at load. */
const SKIPPED_TYPES = new Set([ConsumerGroupPartitionMetadataKeyRecordType, ConsumerGroupRegularExpressionKeyRecordType])

export function isConsumerGroupRecordType(recordType: number): boolean {
  return KIND_OF_TYPE.has(recordType) || SKIPPED_TYPES.has(recordType)
}

function encodeWith<T>(w: Writer, c: Codec<T>, v: T): void {
  c.encode(w, v, 0)
}

/** Key and value bytes of one record, including the int16 prefix of each. */
export function encodeConsumerGroupRecord(rec: ConsumerGroupRecord, newWriter: (size: number) => Writer): { key: Buffer, value: Buffer | null } {
  const codec = CODECS[rec.type] as unknown as { key: Codec<unknown>, value: Codec<unknown> }
  const key = 'memberId' in rec ? { groupId: rec.group, memberId: rec.memberId } : { groupId: rec.group }
  const kw = newWriter(2 + codec.key.size(key, 0))
  kw.int16(codec.key.recordType)
  encodeWith(kw, codec.key, key)
  if (rec.value === null) return { key: kw.finish(), value: null }
  const vw = newWriter(2 + codec.value.size(rec.value, 0))
  vw.int16(0)
  encodeWith(vw, codec.value, rec.value)
  return { key: kw.finish(), value: vw.finish() }
}

/** Decodes a consumer-group record whose key type was already read from `kr`; null for skipped types. */
export function decodeConsumerGroupRecord(recordType: number, kr: Reader, valueReader: Reader | null): ConsumerGroupRecord | null {
  const kind = KIND_OF_TYPE.get(recordType)
  if (kind === undefined) return null
  const codec = CODECS[kind] as unknown as { key: Codec<{ groupId: string, memberId?: string }>, value: Codec<unknown> }
  const key = codec.key.decode(kr, 0)
  let value: unknown = null
  if (valueReader !== null) {
    const version = valueReader.int16()
    // Newer value versions add only tagged fields; read them with the v0 schema (flexible).
    value = codec.value.decode(valueReader, Math.min(version, 0))
  }
  const base = { type: kind, group: key.groupId, value }
  return (key.memberId === undefined ? base : { ...base, memberId: key.memberId }) as ConsumerGroupRecord
}
