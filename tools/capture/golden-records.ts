// The records every batch capture produces, so tests can compare decoded batches with them.
// Values repeat text so that every codec really shrinks them: librdkafka sends a batch
// uncompressed when compression would not make it smaller.

export interface GoldenRecord {
  key: string
  value: string
  headers: [string, string][]
}

export const GOLDEN_HEADERS: [string, string][] = [
  ['h1', 'v1'],
  ['trace', 'golden-trace-id'],
]

export function goldenRecords(count = 5): GoldenRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${i}`,
    value: `golden value ${i} `.repeat(8).trim(),
    headers: GOLDEN_HEADERS,
  }))
}
