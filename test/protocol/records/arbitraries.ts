// fast-check generators shared by the records tests.
import fc from 'fast-check'
import type { Record } from '../../../src/protocol/records/record.ts'

export const bytes = (max = 64): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a))
export const nullableBytes = (max = 64): fc.Arbitrary<Buffer | null> => fc.option(bytes(max), { nil: null })

export const record: fc.Arbitrary<Record> = fc.record({
  attributes: fc.constant(0),
  timestampDelta: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger().map((n) => Math.trunc(n / 4) || 0)),
  offsetDelta: fc.integer({ min: 0, max: 0x7fffffff }),
  key: nullableBytes(),
  value: nullableBytes(256),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 16 }), value: nullableBytes(16) }), { maxLength: 4 }),
})

/** Records with increasing offset deltas, as a producer writes them. */
export const recordList = (max = 20): fc.Arbitrary<Record[]> =>
  fc.array(record, { maxLength: max }).map((rs) => rs.map((r, i) => ({ ...r, offsetDelta: i })))

export const codec = fc.constantFrom(0, 1, 2, 3, 4)

/** Plain copies, so deepEqual compares contents and not Buffer views. */
export const plain = (r: Record): Record => ({
  ...r,
  key: r.key && Buffer.from(r.key),
  value: r.value && Buffer.from(r.value),
  headers: r.headers.map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) })),
})
