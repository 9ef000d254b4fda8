// The shape every compression codec implements. Sync on purpose: records code runs inside
// request handling and compaction, where a native one-shot call beats a stream's overhead.

export interface CompressOptions {
  /** Codec-specific level (gzip 1-9, zstd 1-22); each codec has its own default. */
  level?: number
  /** snappy only: 'xerial' (Kafka's Java framing, the default) or 'raw' (one snappy block). */
  snappyFraming?: 'xerial' | 'raw'
  /** lz4 only: write the wrong header checksum old magic-0 readers expect (KAFKA-1493). */
  lz4LegacyHeaderChecksum?: boolean
}

export interface Codec {
  /** Kafka's attribute id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly id: number
  readonly name: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  compress(data: Buffer, options?: CompressOptions): Buffer
  /**
   * Decompresses `data`; a result longer than `maxSize` bytes is a RecordsError('too-large')
   * raised before (or instead of) producing it, and a corrupt input a RecordsError too.
   */
  decompress(data: Buffer, maxSize: number): Buffer
}
