import { RecordsError } from '../records-error.ts'
import type { Codec } from './codec.ts'

export const noneCodec: Codec = {
  id: 0,
  name: 'none',
  compress: (data) => data,
  decompress(data, maxSize) {
    if (data.length > maxSize) throw new RecordsError('too-large', `data of ${data.length} bytes exceeds ${maxSize}`)
    return data
  },
}
