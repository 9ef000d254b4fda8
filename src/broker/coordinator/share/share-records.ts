// The records of __share_group_state (KIP-932), in Kafka's schemas: key = int16 record type +
// struct v0 (0 = ShareSnapshotKey, 1 = ShareUpdateKey; both name group id, topic id and
// partition), value = int16 version + struct v0, or null (tombstone: the share-partition's state
// is deleted). A snapshot holds a share-partition's whole state; an update holds the start
// offset and the state batches that changed since.
import { Reader, Writer } from '../../../protocol/primitives/index.ts'
import * as sk from '../../../protocol/generated/share-coordinator/share-snapshot-key.ts'
import * as sv from '../../../protocol/generated/share-coordinator/share-snapshot-value.ts'
import * as uk from '../../../protocol/generated/share-coordinator/share-update-key.ts'
import * as uv from '../../../protocol/generated/share-coordinator/share-update-value.ts'

export type ShareSnapshotValue = sv.ShareSnapshotValue
export type ShareUpdateValue = uv.ShareUpdateValue

export interface ShareKey {
  readonly groupId: string
  readonly topicId: string
  readonly partition: number
}

export type ShareStateRecord =
  | { readonly type: 'snapshot', readonly key: ShareKey, readonly value: ShareSnapshotValue | null }
  | { readonly type: 'update', readonly key: ShareKey, readonly value: ShareUpdateValue | null }

export class ShareRecordError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ShareRecordError'
  }
}

export function encodeShareRecord(rec: ShareStateRecord): { key: Buffer, value: Buffer | null } {
  const k = { groupId: rec.key.groupId, topicId: rec.key.topicId, partition: rec.key.partition }
  if (rec.type === 'snapshot') {
    const kw = new Writer(2 + sk.sizeShareSnapshotKey(k, 0))
    kw.int16(sk.ShareSnapshotKeyRecordType)
    sk.encodeShareSnapshotKey(kw, k, 0)
    if (rec.value === null) return { key: kw.finish(), value: null }
    const vw = new Writer(2 + sv.sizeShareSnapshotValue(rec.value, 0))
    vw.int16(0)
    sv.encodeShareSnapshotValue(vw, rec.value, 0)
    return { key: kw.finish(), value: vw.finish() }
  }
  const kw = new Writer(2 + uk.sizeShareUpdateKey(k, 0))
  kw.int16(uk.ShareUpdateKeyRecordType)
  uk.encodeShareUpdateKey(kw, k, 0)
  if (rec.value === null) return { key: kw.finish(), value: null }
  const vw = new Writer(2 + uv.sizeShareUpdateValue(rec.value, 0))
  vw.int16(0)
  uv.encodeShareUpdateValue(vw, rec.value, 0)
  return { key: kw.finish(), value: vw.finish() }
}

/** Decodes one __share_group_state record; null for record types this coordinator does not know. */
export function decodeShareRecord(key: Buffer | null, value: Buffer | null): ShareStateRecord | null {
  if (key === null || key.length < 2) throw new ShareRecordError('record without a key')
  try {
    const kr = new Reader(key)
    const type = kr.int16()
    const vr = value === null ? null : new Reader(value)
    if (vr) vr.int16()
    if (type === sk.ShareSnapshotKeyRecordType) {
      return { type: 'snapshot', key: sk.decodeShareSnapshotKey(kr, 0), value: vr ? sv.decodeShareSnapshotValue(vr, 0) : null }
    }
    if (type === uk.ShareUpdateKeyRecordType) {
      return { type: 'update', key: uk.decodeShareUpdateKey(kr, 0), value: vr ? uv.decodeShareUpdateValue(vr, 0) : null }
    }
    return null
  } catch (err) {
    throw new ShareRecordError(`malformed __share_group_state record: ${(err as Error).message}`)
  }
}
