// KIP-932 share-group records in __consumer_offsets, in Kafka's schemas: key = int16 record type +
// struct v0, value = int16 version + struct v0 (null for a tombstone). Types 10 (member
// subscription), 11 (group epoch), 12 (target assignment epoch), 13 (a member's target
// assignment), 14 (a member's current assignment) and 15 (ShareGroupStatePartitionMetadata: the
// share-partitions that have state in __share_group_state, so describing all offsets and deleting
// the group ask about those only) are what a share group is rebuilt from.
import type { Reader, Writer } from '../../../protocol/primitives/index.ts'
import { MemberGroupRecordCodecs } from './member-group-record-codecs.ts'
import * as mk from '../../../protocol/generated/group-coordinator/share-group-member-metadata-key.ts'
import * as mv from '../../../protocol/generated/group-coordinator/share-group-member-metadata-value.ts'
import * as gk from '../../../protocol/generated/group-coordinator/share-group-metadata-key.ts'
import * as gv from '../../../protocol/generated/group-coordinator/share-group-metadata-value.ts'
import * as tmk from '../../../protocol/generated/group-coordinator/share-group-target-assignment-metadata-key.ts'
import * as tmv from '../../../protocol/generated/group-coordinator/share-group-target-assignment-metadata-value.ts'
import * as tak from '../../../protocol/generated/group-coordinator/share-group-target-assignment-member-key.ts'
import * as tav from '../../../protocol/generated/group-coordinator/share-group-target-assignment-member-value.ts'
import * as cak from '../../../protocol/generated/group-coordinator/share-group-current-member-assignment-key.ts'
import * as cav from '../../../protocol/generated/group-coordinator/share-group-current-member-assignment-value.ts'
import * as spk from '../../../protocol/generated/group-coordinator/share-group-state-partition-metadata-key.ts'
import * as spv from '../../../protocol/generated/group-coordinator/share-group-state-partition-metadata-value.ts'

export type ShareGroupMetadataValue = gv.ShareGroupMetadataValue
export type ShareGroupMemberMetadataValue = mv.ShareGroupMemberMetadataValue
export type ShareGroupTargetAssignmentMetadataValue = tmv.ShareGroupTargetAssignmentMetadataValue
export type ShareGroupTargetAssignmentMemberValue = tav.ShareGroupTargetAssignmentMemberValue
export type ShareGroupCurrentMemberAssignmentValue = cav.ShareGroupCurrentMemberAssignmentValue
export type ShareGroupStatePartitionMetadataValue = spv.ShareGroupStatePartitionMetadataValue

export type ShareGroupRecord =
  | { readonly type: 'sg-epoch', readonly group: string, readonly value: ShareGroupMetadataValue | null }
  | { readonly type: 'sg-member', readonly group: string, readonly memberId: string, readonly value: ShareGroupMemberMetadataValue | null }
  | { readonly type: 'sg-target-epoch', readonly group: string, readonly value: ShareGroupTargetAssignmentMetadataValue | null }
  | { readonly type: 'sg-target', readonly group: string, readonly memberId: string, readonly value: ShareGroupTargetAssignmentMemberValue | null }
  | { readonly type: 'sg-current', readonly group: string, readonly memberId: string, readonly value: ShareGroupCurrentMemberAssignmentValue | null }
  | { readonly type: 'sg-state-partitions', readonly group: string, readonly value: ShareGroupStatePartitionMetadataValue | null }

// One table: record kind ↔ key and value codecs (all at version 0, as Kafka writes them).
const CODECS = {
  'sg-member': {
    key: { recordType: mk.ShareGroupMemberMetadataKeyRecordType, encode: mk.encodeShareGroupMemberMetadataKey, size: mk.sizeShareGroupMemberMetadataKey, decode: mk.decodeShareGroupMemberMetadataKey },
    value: { encode: mv.encodeShareGroupMemberMetadataValue, size: mv.sizeShareGroupMemberMetadataValue, decode: mv.decodeShareGroupMemberMetadataValue },
  },
  'sg-epoch': {
    key: { recordType: gk.ShareGroupMetadataKeyRecordType, encode: gk.encodeShareGroupMetadataKey, size: gk.sizeShareGroupMetadataKey, decode: gk.decodeShareGroupMetadataKey },
    value: { encode: gv.encodeShareGroupMetadataValue, size: gv.sizeShareGroupMetadataValue, decode: gv.decodeShareGroupMetadataValue },
  },
  'sg-target-epoch': {
    key: { recordType: tmk.ShareGroupTargetAssignmentMetadataKeyRecordType, encode: tmk.encodeShareGroupTargetAssignmentMetadataKey, size: tmk.sizeShareGroupTargetAssignmentMetadataKey, decode: tmk.decodeShareGroupTargetAssignmentMetadataKey },
    value: { encode: tmv.encodeShareGroupTargetAssignmentMetadataValue, size: tmv.sizeShareGroupTargetAssignmentMetadataValue, decode: tmv.decodeShareGroupTargetAssignmentMetadataValue },
  },
  'sg-target': {
    key: { recordType: tak.ShareGroupTargetAssignmentMemberKeyRecordType, encode: tak.encodeShareGroupTargetAssignmentMemberKey, size: tak.sizeShareGroupTargetAssignmentMemberKey, decode: tak.decodeShareGroupTargetAssignmentMemberKey },
    value: { encode: tav.encodeShareGroupTargetAssignmentMemberValue, size: tav.sizeShareGroupTargetAssignmentMemberValue, decode: tav.decodeShareGroupTargetAssignmentMemberValue },
  },
  'sg-current': {
    key: { recordType: cak.ShareGroupCurrentMemberAssignmentKeyRecordType, encode: cak.encodeShareGroupCurrentMemberAssignmentKey, size: cak.sizeShareGroupCurrentMemberAssignmentKey, decode: cak.decodeShareGroupCurrentMemberAssignmentKey },
    value: { encode: cav.encodeShareGroupCurrentMemberAssignmentValue, size: cav.sizeShareGroupCurrentMemberAssignmentValue, decode: cav.decodeShareGroupCurrentMemberAssignmentValue },
  },
  'sg-state-partitions': {
    key: { recordType: spk.ShareGroupStatePartitionMetadataKeyRecordType, encode: spk.encodeShareGroupStatePartitionMetadataKey, size: spk.sizeShareGroupStatePartitionMetadataKey, decode: spk.decodeShareGroupStatePartitionMetadataKey },
    value: { encode: spv.encodeShareGroupStatePartitionMetadataValue, size: spv.sizeShareGroupStatePartitionMetadataValue, decode: spv.decodeShareGroupStatePartitionMetadataValue },
  },
} as const

const RECORDS = new MemberGroupRecordCodecs<ShareGroupRecord>(CODECS, [])

export function isShareGroupRecordType(recordType: number): boolean {
  return RECORDS.isRecordType(recordType)
}

export function isShareGroupRecord(rec: { readonly type: string }): rec is ShareGroupRecord {
  return rec.type.startsWith('sg-')
}

/** Key and value bytes of one record, including the int16 prefix of each. */
export function encodeShareGroupRecord(rec: ShareGroupRecord, newWriter: (size: number) => Writer): { key: Buffer, value: Buffer | null } {
  return RECORDS.encode(rec, newWriter)
}

/** Decodes a share-group record whose key type was already read from `kr`; null for skipped types. */
export function decodeShareGroupRecord(recordType: number, kr: Reader, valueReader: Reader | null): ShareGroupRecord | null {
  return RECORDS.decode(recordType, kr, valueReader)
}
