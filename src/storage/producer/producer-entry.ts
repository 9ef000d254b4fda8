// What a partition remembers about one producer id (Kafka's ProducerStateEntry).

/** One appended batch of a producer: its sequence range and the offsets it got. */
export interface BatchMeta {
  firstSeq: number
  lastSeq: number
  firstOffset: number
  lastOffset: number
}

export interface ProducerEntry {
  producerId: number
  epoch: number
  /** The last (up to) five data batches of the current epoch, oldest first. */
  batches: BatchMeta[]
  /** Epoch of the coordinator that wrote this producer's last transaction marker (-1 none). */
  coordinatorEpoch: number
  /** First offset of this producer's open transaction in this partition, -1 when none. */
  currentTxnFirstOffset: number
  /** Time of the producer's last write (drives producer.id.expiration.ms). */
  lastTimestamp: number
}

/** Kafka keeps the last five batches per producer (max.in.flight.requests.per.connection <= 5). */
export const MAX_BATCHES = 5

export const lastSeqOf = (e: ProducerEntry): number => e.batches[e.batches.length - 1]?.lastSeq ?? -1
export const lastDataOffsetOf = (e: ProducerEntry): number => e.batches[e.batches.length - 1]?.lastOffset ?? -1

/** The sequence that must follow `seq` (-1 means none yet); sequences wrap at 2^31-1. */
export const nextSeq = (seq: number): number => (seq === 0x7fffffff ? 0 : seq + 1)

/** Last sequence of a batch of `count` records starting at `first` (wraps). */
export const batchLastSeq = (first: number, lastOffsetDelta: number): number => {
  const v = first + lastOffsetDelta
  return v > 0x7fffffff ? v - 0x80000000 : v
}
