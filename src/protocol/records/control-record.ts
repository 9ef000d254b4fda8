// Control records live alone in control batches (attributes bit 5). Their key is
//   version int16 (0) | type int16
// and for transaction markers (abort = 0, commit = 1) the value is
//   version int16 (0) | coordinatorEpoch int32
// Types 2.. are KRaft's (leader change, snapshot header/footer, voters) and carry other values.
import type { BatchOptions } from './batch-builder.ts'
import { buildRecordBatch } from './batch-builder.ts'
import type { Record } from './record.ts'
import { RecordsError } from './records-error.ts'

export const enum ControlRecordType {
  Abort = 0,
  Commit = 1,
  LeaderChange = 2,
  SnapshotHeader = 3,
  SnapshotFooter = 4,
  KRaftVersion = 5,
  KRaftVoters = 6,
}

export interface ControlRecordKey {
  version: number
  type: number
}

export interface EndTxnMarker {
  /** Abort or Commit. */
  type: ControlRecordType.Abort | ControlRecordType.Commit
  coordinatorEpoch: number
}

export function encodeControlKey(type: number, version = 0): Buffer {
  const buf = Buffer.allocUnsafe(4)
  buf.writeInt16BE(version, 0)
  buf.writeInt16BE(type, 2)
  return buf
}

export function decodeControlKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < 4) throw new RecordsError('invalid', 'control record key needs 4 bytes')
  const version = key.readInt16BE(0)
  if (version < 0) throw new RecordsError('invalid', `control record key version ${version}`)
  return { version, type: key.readInt16BE(2) }
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = 0): Buffer {
  const buf = Buffer.allocUnsafe(6)
  buf.writeInt16BE(version, 0)
  buf.writeInt32BE(coordinatorEpoch, 2)
  return buf
}

/** Reads a commit/abort marker from a control record; other control types are a typed error. */
export function decodeEndTxnMarker(record: Record): EndTxnMarker {
  const { type } = decodeControlKey(record.key)
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new RecordsError('invalid', `control record type ${type} is not a transaction marker`)
  }
  const value = record.value
  if (value === null || value.length < 6) throw new RecordsError('invalid', 'transaction marker value needs 6 bytes')
  if (value.readInt16BE(0) < 0) throw new RecordsError('invalid', 'negative transaction marker version')
  return { type, coordinatorEpoch: value.readInt32BE(2) }
}

export interface MarkerBatchOptions extends Pick<BatchOptions, 'baseOffset' | 'partitionLeaderEpoch'> {
  type: ControlRecordType.Abort | ControlRecordType.Commit
  producerId: number
  producerEpoch: number
  coordinatorEpoch: number
  timestamp: number
}

/** A transactional control batch holding one commit or abort marker, as a coordinator writes it. */
export function buildEndTxnMarkerBatch(o: MarkerBatchOptions): Buffer {
  return buildRecordBatch({
    baseOffset: o.baseOffset,
    partitionLeaderEpoch: o.partitionLeaderEpoch,
    producerId: o.producerId,
    producerEpoch: o.producerEpoch,
    transactional: true,
    control: true,
    baseTimestamp: o.timestamp,
    records: [{ key: encodeControlKey(o.type), value: encodeEndTxnMarkerValue(o.coordinatorEpoch) }],
  })
}
