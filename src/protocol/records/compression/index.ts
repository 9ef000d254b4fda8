// The compression registry: Kafka's codec id -> implementation.
import { RecordsError } from '../records-error.ts'
import type { Codec, CompressOptions } from './codec.ts'
import { gzipCodec } from './gzip.ts'
import { lz4Codec } from './lz4.ts'
import { noneCodec } from './none.ts'
import { snappyCodec } from './snappy.ts'
import { zstdCodec } from './zstd.ts'

export type { Codec, CompressOptions } from './codec.ts'
export { isXerialFramed } from './snappy.ts'

const CODECS: readonly Codec[] = [noneCodec, gzipCodec, snappyCodec, lz4Codec, zstdCodec]

/** The codec for Kafka's compression id (attributes & 0x07); unknown ids are a typed error. */
export function getCodec(id: number): Codec {
  const codec = CODECS[id]
  if (codec === undefined) throw new RecordsError('unsupported-compression', `unknown compression type ${id}`)
  return codec
}

export const codecNames = CODECS.map((c) => c.name)

export function codecByName(name: string): Codec {
  const codec = CODECS.find((c) => c.name === name)
  if (codec === undefined) throw new RecordsError('unsupported-compression', `unknown compression '${name}'`)
  return codec
}

export const compress = (id: number, data: Buffer, options?: CompressOptions): Buffer => getCodec(id).compress(data, options)

export const decompress = (id: number, data: Buffer, maxSize: number): Buffer => getCodec(id).decompress(data, maxSize)
