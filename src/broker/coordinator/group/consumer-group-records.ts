// KIP-848 consumer-group records in __consumer_offsets, in Kafka's schemas: key = int16 record
// type + struct v0, value = int16 version + struct v0 (null for a tombstone). Types 3 (group
// epoch), 5 (member subscription), 6 (target assignment epoch), 7 (a member's target
// assignment) and 8 (a member's current assignment) are what a consumer group is rebuilt from.
// Types 4 (subscription metadata, superseded by the metadata hash) and 16 (resolved regular
// expressions) are read past: the regex is resolved again from the member's subscription.
import type { Reader, Writer } from '../../../protocol/primitives/index.ts'
import { assignmentToList } from './consumer-group.ts'
import type { Assignment, ConsumerGroupMember } from './consumer-group.ts'
import type { GroupRecord } from './records.ts'
import { MemberGroupRecordCodecs } from './member-group-record-codecs.ts'
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

// One table: record kind ↔ key and value codecs (all at version 0, as Kafka writes them).
const CODECS = {
  'cg-epoch': {
    key: { recordType: gk.ConsumerGroupMetadataKeyRecordType, encode: gk.encodeConsumerGroupMetadataKey, size: gk.sizeConsumerGroupMetadataKey, decode: gk.decodeConsumerGroupMetadataKey },
    value: { encode: gv.encodeConsumerGroupMetadataValue, size: gv.sizeConsumerGroupMetadataValue, decode: gv.decodeConsumerGroupMetadataValue },
  },
  'cg-member': {
    key: { recordType: mk.ConsumerGroupMemberMetadataKeyRecordType, encode: mk.encodeConsumerGroupMemberMetadataKey, size: mk.sizeConsumerGroupMemberMetadataKey, decode: mk.decodeConsumerGroupMemberMetadataKey },
    value: { encode: mv.encodeConsumerGroupMemberMetadataValue, size: mv.sizeConsumerGroupMemberMetadataValue, decode: mv.decodeConsumerGroupMemberMetadataValue },
  },
  'cg-target-epoch': {
    key: { recordType: tmk.ConsumerGroupTargetAssignmentMetadataKeyRecordType, encode: tmk.encodeConsumerGroupTargetAssignmentMetadataKey, size: tmk.sizeConsumerGroupTargetAssignmentMetadataKey, decode: tmk.decodeConsumerGroupTargetAssignmentMetadataKey },
    value: { encode: tmv.encodeConsumerGroupTargetAssignmentMetadataValue, size: tmv.sizeConsumerGroupTargetAssignmentMetadataValue, decode: tmv.decodeConsumerGroupTargetAssignmentMetadataValue },
  },
  'cg-target': {
    key: { recordType: tak.ConsumerGroupTargetAssignmentMemberKeyRecordType, encode: tak.encodeConsumerGroupTargetAssignmentMemberKey, size: tak.sizeConsumerGroupTargetAssignmentMemberKey, decode: tak.decodeConsumerGroupTargetAssignmentMemberKey },
    value: { encode: tav.encodeConsumerGroupTargetAssignmentMemberValue, size: tav.sizeConsumerGroupTargetAssignmentMemberValue, decode: tav.decodeConsumerGroupTargetAssignmentMemberValue },
  },
  'cg-current': {
    key: { recordType: cak.ConsumerGroupCurrentMemberAssignmentKeyRecordType, encode: cak.encodeConsumerGroupCurrentMemberAssignmentKey, size: cak.sizeConsumerGroupCurrentMemberAssignmentKey, decode: cak.decodeConsumerGroupCurrentMemberAssignmentKey },
    value: { encode: cav.encodeConsumerGroupCurrentMemberAssignmentValue, size: cav.sizeConsumerGroupCurrentMemberAssignmentValue, decode: cav.decodeConsumerGroupCurrentMemberAssignmentValue },
  },
} as const

const RECORDS = new MemberGroupRecordCodecs<ConsumerGroupRecord>(CODECS, [ConsumerGroupPartitionMetadataKeyRecordType, ConsumerGroupRegularExpressionKeyRecordType])

export function isConsumerGroupRecordType(recordType: number): boolean {
  return RECORDS.isRecordType(recordType)
}

/** Key and value bytes of one record, including the int16 prefix of each. */
export function encodeConsumerGroupRecord(rec: ConsumerGroupRecord, newWriter: (size: number) => Writer): { key: Buffer, value: Buffer | null } {
  return RECORDS.encode(rec, newWriter)
}

/** Decodes a consumer-group record whose key type was already read from `kr`; null for skipped types. */
export function decodeConsumerGroupRecord(recordType: number, kr: Reader, valueReader: Reader | null): ConsumerGroupRecord | null {
  return RECORDS.decode(recordType, kr, valueReader)
}

// ---------------------------------------------------------------- record builders

/** A member's ConsumerGroupMemberMetadata record (with its classic metadata when it speaks the classic protocol). */
export function memberRecord(groupId: string, m: ConsumerGroupMember): GroupRecord {
  return {
    type: 'cg-member', group: groupId, memberId: m.memberId,
    value: {
      instanceId: m.instanceId, rackId: m.rackId, clientId: m.clientId, clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames], subscribedTopicRegex: m.subscribedTopicRegex,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs, serverAssignor: m.serverAssignor,
      classicMemberMetadata: m.classic === null ? null : { sessionTimeoutMs: m.classic.sessionTimeoutMs, supportedProtocols: m.classic.protocols.map((p) => ({ name: p.name, metadata: p.metadata })) },
    },
  }
}

export function currentRecord(groupId: string, memberId: string, a: { memberEpoch: number, previousMemberEpoch: number, state: number, assigned: Assignment, pendingRevocation: Assignment }): GroupRecord {
  const list = (x: Assignment) => assignmentToList(x).map((tp) => ({ ...tp, assignmentEpochs: null }))
  return {
    type: 'cg-current', group: groupId, memberId,
    value: { memberEpoch: a.memberEpoch, previousMemberEpoch: a.previousMemberEpoch, state: a.state, assignedPartitions: list(a.assigned), partitionsPendingRevocation: list(a.pendingRevocation) },
  }
}

/** Kafka's order: current assignment, target assignment, then the member itself. */
export function removalRecords(groupId: string, memberId: string): GroupRecord[] {
  return [
    { type: 'cg-current', group: groupId, memberId, value: null },
    { type: 'cg-target', group: groupId, memberId, value: null },
    { type: 'cg-member', group: groupId, memberId, value: null },
  ]
}

