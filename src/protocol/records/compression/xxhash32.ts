// xxHash32, needed only for the LZ4 frame header checksum (a few bytes), so a plain
// implementation is enough; the frame's data checksums are checked by lz4-napi itself.
const P1 = 0x9e3779b1
const P2 = 0x85ebca77
const P3 = 0xc2b2ae3d
const P4 = 0x27d4eb2f
const P5 = 0x165667b1

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))
const round = (acc: number, input: number): number => Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1)

export function xxhash32(buf: Uint8Array, seed = 0): number {
  const len = buf.length
  const u32 = (i: number): number => buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)
  let pos = 0
  let h: number
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0
    let v2 = (seed + P2) | 0
    let v3 = seed | 0
    let v4 = (seed - P1) | 0
    for (; pos + 16 <= len; pos += 16) {
      v1 = round(v1, u32(pos))
      v2 = round(v2, u32(pos + 4))
      v3 = round(v3, u32(pos + 8))
      v4 = round(v4, u32(pos + 12))
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else {
    h = (seed + P5) | 0
  }
  h = (h + len) | 0
  for (; pos + 4 <= len; pos += 4) h = Math.imul(rotl((h + Math.imul(u32(pos), P3)) | 0, 17), P4)
  for (; pos < len; pos++) h = Math.imul(rotl((h + Math.imul(buf[pos]!, P5)) | 0, 11), P1)
  h ^= h >>> 15
  h = Math.imul(h, P2)
  h ^= h >>> 13
  h = Math.imul(h, P3)
  h ^= h >>> 16
  return h >>> 0
}
