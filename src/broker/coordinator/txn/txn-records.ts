// Records of `__transaction_state` in Kafka's format: key = int16 record type (0) + TransactionLogKey v0,
// value = int16 version + TransactionLogValue (version 0 written, or 1 when a tagged field has
// something to carry: the previous or next producer id, the client's transaction version; 0-1 read), null = tombstone (the transactional id expired). Readable by Kafka's tools, and we read what Kafka writes.
import { readTransactionLogKey, writeTransactionLogKey, sizeTransactionLogKey, TransactionLogKeyRecordType } from '../../../protocol/generated/transaction-coordinator/transaction-log-key.ts'
import { readTransactionLogValue, writeTransactionLogValue, sizeTransactionLogValue } from '../../../protocol/generated/transaction-coordinator/transaction-log-value.ts'
import type { TransactionLogValue } from '../../../protocol/generated/transaction-coordinator/transaction-log-value.ts'
import { Reader, Writer } from '../../../protocol/primitives/index.ts'
import { TV2, TxnState, tpKey } from './txn-metadata.ts'
import type { TopicPartition, TxnMetadata } from './txn-metadata.ts'

const KEY_VERSION = 0

export class TxnRecordError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TxnRecordError'
  }
}

export function encodeTxnKey(transactionalId: string): Buffer {
  const k = { transactionalId }
  const w = new Writer(2 + sizeTransactionLogKey(k, KEY_VERSION, Infinity))
  w.int16(TransactionLogKeyRecordType)
  writeTransactionLogKey(w, k, KEY_VERSION)
  return w.finish()
}

export function encodeTxnValue(m: TxnMetadata): Buffer {
  const byTopic = new Map<string, number[]>()
  for (const tp of m.partitions.values()) {
    let list = byTopic.get(tp.topic)
    if (!list) byTopic.set(tp.topic, (list = []))
    list.push(tp.partition)
  }
  const v: TransactionLogValue = {
    producerId: BigInt(m.producerId),
    previousProducerId: BigInt(m.previousProducerId),
    nextProducerId: BigInt(m.nextProducerId ?? -1),
    nextProducerEpoch: (m.nextProducerId ?? -1) >= 0 ? 0 : -1,
    producerEpoch: m.producerEpoch,
    transactionTimeoutMs: m.timeoutMs,
    transactionStatus: m.state,
    transactionPartitions: [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
    transactionLastUpdateTimestampMs: BigInt(m.txnLastUpdateTimestamp),
    transactionStartTimestampMs: BigInt(m.txnStartTimestamp),
    clientTransactionVersion: m.clientTransactionVersion ?? 0,
  }
  // v0 has no room for the tagged fields: a previous or next producer id needs v1 too (Kafka,
  // writing v0 for transaction version 0/1, drops the previous id; v1 keeps it).
  const version = (m.clientTransactionVersion ?? 0) >= TV2 || m.previousProducerId >= 0 || (m.nextProducerId ?? -1) >= 0 ? 1 : 0
  const w = new Writer(2 + sizeTransactionLogValue(v, version, Infinity))
  w.int16(version)
  writeTransactionLogValue(w, v, version)
  return w.finish()
}

export function decodeTxnKey(key: Buffer | null): string {
  if (!key || key.length < 2) throw new TxnRecordError('transaction log record without a key')
  const type = key.readInt16BE(0)
  if (type !== TransactionLogKeyRecordType) throw new TxnRecordError(`unknown transaction log key version ${type}`)
  try {
    return readTransactionLogKey(new Reader(key, 2), KEY_VERSION).transactionalId
  } catch (e) {
    throw new TxnRecordError(`bad transaction log key: ${(e as Error).message}`)
  }
}

/** The metadata a value describes; null for a tombstone. */
export function decodeTxnValue(transactionalId: string, value: Buffer | null): TxnMetadata | null {
  if (value === null) return null
  if (value.length < 2) throw new TxnRecordError('truncated transaction log value')
  const version = value.readInt16BE(0)
  if (version < 0 || version > 1) throw new TxnRecordError(`unknown transaction log value version ${version}`)
  let v: TransactionLogValue
  try {
    v = readTransactionLogValue(new Reader(value, 2), version)
  } catch (e) {
    throw new TxnRecordError(`bad transaction log value: ${(e as Error).message}`)
  }
  if (v.transactionStatus < 0 || v.transactionStatus > 7) throw new TxnRecordError(`unknown transaction state ${v.transactionStatus}`)
  const partitions = new Map<string, TopicPartition>()
  for (const t of v.transactionPartitions ?? []) for (const p of t.partitionIds) partitions.set(tpKey(t.topic, p), { topic: t.topic, partition: p })
  return {
    transactionalId,
    producerId: Number(v.producerId),
    previousProducerId: Number(v.previousProducerId),
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: -1,
    timeoutMs: v.transactionTimeoutMs,
    state: v.transactionStatus as TxnState,
    partitions,
    txnStartTimestamp: Number(v.transactionStartTimestampMs),
    txnLastUpdateTimestamp: Number(v.transactionLastUpdateTimestampMs),
    // Transaction version 2 fields only where set, so version-1 state looks as it always did.
    ...(v.nextProducerId >= 0n ? { nextProducerId: Number(v.nextProducerId) } : {}),
    ...(v.clientTransactionVersion > 0 ? { clientTransactionVersion: v.clientTransactionVersion } : {}),
  }
}

export { TxnState }
