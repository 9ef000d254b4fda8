// Kafka prints and parses UUIDs as 22-character base64url strings without padding
// (org.apache.kafka.common.Uuid#toString); we use the same form in generated codecs.

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

// 16 bytes = 128 bits: the 22nd character only carries 2 bits, so it must be one of A, Q, g, w
// (anything else would not survive a bytes -> string -> bytes round trip).
const UUID_RE = /^[A-Za-z0-9_-]{21}[AQgw]$/

export function isUuidString(s: string): boolean {
  return s.length === 22 && UUID_RE.test(s)
}
