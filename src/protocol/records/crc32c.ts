// CRC32C (Castagnoli) as used by RecordBatch v2. The native @node-rs/crc32 binding uses the
// SSE4.2/ARM CRC instructions, so checking a batch costs far less than copying it.
import { crc32c as nativeCrc32c } from '@node-rs/crc32'

/** CRC32C of `buf`, continuing from `initial` (0 for a fresh checksum). Unsigned 32-bit result. */
export function crc32c(buf: Uint8Array, initial = 0): number {
  return nativeCrc32c(buf as Buffer, initial) >>> 0
}
