// The records a group coordinator keeps in __consumer_offsets, in Kafka's own format: a key of
// int16 record type + struct at version 0 (0 = LegacyOffsetCommitKey, 1 = OffsetCommitKey, 2 =
// GroupMetadataKey; the first two have the same fields) and a value of
// int16 version + struct, or a null value (tombstone) when the offset or group is gone. Kafka
// brokers and tools can read what we write, and we read what they write.
import { Reader, Writer } from '../../../protocol/primitives/index.ts'
import { readOffsetCommitKey, writeOffsetCommitKey, sizeOffsetCommitKey, OffsetCommitKeyRecordType } from '../../../protocol/generated/group-coordinator/offset-commit-key.ts'
import { readOffsetCommitValue, writeOffsetCommitValue, sizeOffsetCommitValue } from '../../../protocol/generated/group-coordinator/offset-commit-value.ts'
import { LegacyOffsetCommitKeyRecordType } from '../../../protocol/generated/group-coordinator/legacy-offset-commit-key.ts'
import { readGroupMetadataKey, writeGroupMetadataKey, sizeGroupMetadataKey, GroupMetadataKeyRecordType } from '../../../protocol/generated/group-coordinator/group-metadata-key.ts'
import { readGroupMetadataValue, writeGroupMetadataValue, sizeGroupMetadataValue } from '../../../protocol/generated/group-coordinator/group-metadata-value.ts'
import type { GroupMetadataValue } from '../../../protocol/generated/group-coordinator/group-metadata-value.ts'
import type { OffsetCommitValue } from '../../../protocol/generated/group-coordinator/offset-commit-value.ts'
import { decodeConsumerGroupRecord, encodeConsumerGroupRecord, isConsumerGroupRecordType } from './consumer-group-records.ts'
import type { ConsumerGroupRecord } from './consumer-group-records.ts'
import { decodeShareGroupRecord, encodeShareGroupRecord, isShareGroupRecord, isShareGroupRecordType } from './share-group-records.ts'
import type { ShareGroupRecord } from './share-group-records.ts'

export type { GroupMetadataValue, GroupMetadataValueMemberMetadata } from '../../../protocol/generated/group-coordinator/group-metadata-value.ts'
export type { OffsetCommitValue } from '../../../protocol/generated/group-coordinator/offset-commit-value.ts'

/** Record types (the int16 in front of a key); every key is written at version 0. */
export const OFFSET_KEY_VERSION = OffsetCommitKeyRecordType
export const GROUP_KEY_VERSION = GroupMetadataKeyRecordType
/** LegacyOffsetCommitKey (type 0): written by old Kafka versions, same fields as OffsetCommitKey. */
const LEGACY_OFFSET_KEY_TYPE = LegacyOffsetCommitKeyRecordType
const KEY_VERSION = 0
/** Value versions we write: v3 carries the leader epoch / group.instance.id and is readable by Kafka 2.3+. */
export const OFFSET_VALUE_VERSION = 3
/** v1 is the only offset value version with an explicit expire timestamp (OffsetCommit v2-4 retention). */
export const OFFSET_VALUE_VERSION_WITH_EXPIRY = 1
export const GROUP_VALUE_VERSION = 3

export type { ConsumerGroupRecord } from './consumer-group-records.ts'

export type GroupRecord =
  | ConsumerGroupRecord
  | ShareGroupRecord
  | { readonly type: 'offset', readonly group: string, readonly topic: string, readonly partition: number, readonly value: OffsetCommitValue | null }
  | { readonly type: 'group', readonly group: string, readonly value: GroupMetadataValue | null }

export class GroupRecordError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GroupRecordError'
  }
}

export interface EncodedRecord {
  readonly key: Buffer
  readonly value: Buffer | null
}

export function encodeGroupRecord(rec: GroupRecord): EncodedRecord {
  if (isShareGroupRecord(rec)) return encodeShareGroupRecord(rec, (size) => new Writer(size))
  if (rec.type !== 'offset' && rec.type !== 'group') return encodeConsumerGroupRecord(rec, (size) => new Writer(size))
  if (rec.type === 'offset') {
    const k = { group: rec.group, topic: rec.topic, partition: rec.partition }
    const kw = new Writer(2 + sizeOffsetCommitKey(k, KEY_VERSION, Infinity))
    kw.int16(OFFSET_KEY_VERSION)
    writeOffsetCommitKey(kw, k, KEY_VERSION)
    if (rec.value === null) return { key: kw.finish(), value: null }
    const version = rec.value.expireTimestamp >= 0n ? OFFSET_VALUE_VERSION_WITH_EXPIRY : OFFSET_VALUE_VERSION
    const vw = new Writer(2 + sizeOffsetCommitValue(rec.value, version, Infinity))
    vw.int16(version)
    writeOffsetCommitValue(vw, rec.value, version)
    return { key: kw.finish(), value: vw.finish() }
  }
  const k = { group: rec.group }
  const kw = new Writer(2 + sizeGroupMetadataKey(k, KEY_VERSION, Infinity))
  kw.int16(GROUP_KEY_VERSION)
  writeGroupMetadataKey(kw, k, KEY_VERSION)
  if (rec.value === null) return { key: kw.finish(), value: null }
  const vw = new Writer(2 + sizeGroupMetadataValue(rec.value, GROUP_VALUE_VERSION, Infinity))
  vw.int16(GROUP_VALUE_VERSION)
  writeGroupMetadataValue(vw, rec.value, GROUP_VALUE_VERSION)
  return { key: kw.finish(), value: vw.finish() }
}

/**
 * Decodes one __consumer_offsets record. Returns null for key versions this coordinator does not
 * own (share and streams groups, consumer-group records it reads past): they are skipped on load.
 * Throws GroupRecordError on malformed bytes.
 */
export function decodeGroupRecord(key: Buffer | null, value: Buffer | null): GroupRecord | null {
  if (key === null || key.length < 2) throw new GroupRecordError('record without a key')
  try {
    const kr = new Reader(key)
    const kv = kr.int16()
    if (kv === LEGACY_OFFSET_KEY_TYPE || kv === OFFSET_KEY_VERSION) {
      const k = readOffsetCommitKey(kr, KEY_VERSION)
      if (value === null) return { type: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: null }
      const vr = new Reader(value)
      const vv = vr.int16()
      if (vv < 0 || vv > 4) throw new GroupRecordError(`unknown offset commit value version ${vv}`)
      return { type: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: readOffsetCommitValue(vr, vv) }
    }
    if (kv === GROUP_KEY_VERSION) {
      const k = readGroupMetadataKey(kr, KEY_VERSION)
      if (value === null) return { type: 'group', group: k.group, value: null }
      const vr = new Reader(value)
      const vv = vr.int16()
      if (vv < 0 || vv > 4) throw new GroupRecordError(`unknown group metadata value version ${vv}`)
      return { type: 'group', group: k.group, value: readGroupMetadataValue(vr, vv) }
    }
    if (isConsumerGroupRecordType(kv)) return decodeConsumerGroupRecord(kv, kr, value === null ? null : new Reader(value))
    if (isShareGroupRecordType(kv)) return decodeShareGroupRecord(kv, kr, value === null ? null : new Reader(value))
    return null
  } catch (err) {
    if (err instanceof GroupRecordError) throw err
    throw new GroupRecordError(`malformed __consumer_offsets record: ${(err as Error).message}`)
  }
}
