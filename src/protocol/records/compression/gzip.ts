// gzip through node:zlib. zlib's maxOutputLength stops a zip bomb inside the native inflate
// loop, so the limit costs nothing on honest input.
import { gunzipSync, gzipSync } from 'node:zlib'
import { RecordsError } from '../records-error.ts'
import type { Codec } from './codec.ts'

export const gzipCodec: Codec = {
  id: 1,
  name: 'gzip',
  compress: (data, options) => gzipSync(data, { level: options?.level ?? 6 }),
  decompress(data, maxSize) {
    try {
      return gunzipSync(data, { maxOutputLength: Math.max(1, maxSize) })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new RecordsError('too-large', `gzip data inflates past ${maxSize} bytes`, { cause: err })
      }
      throw new RecordsError('bad-compressed-data', `gzip: ${(err as Error).message}`, { cause: err })
    }
  },
}
