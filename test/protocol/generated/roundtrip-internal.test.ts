// Round-trip property tests for headers and internal records (coordinator, metadata, storage,
// raft, streams and consumer-protocol data) at every generated version.
import { test } from 'node:test'
import { SCHEMAS } from './schema-arbitraries.ts'
import { checkRoundTrips } from './roundtrip.ts'

for (const m of SCHEMAS.filter((s) => s.kind !== 'request' && s.kind !== 'response')) {
  test(`${m.module} ${m.name} v${m.versions[0]}-${m.versions[1]} round-trips`, async () => {
    await checkRoundTrips(m, 150)
  })
}
