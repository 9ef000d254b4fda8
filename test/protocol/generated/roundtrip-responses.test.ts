// Round-trip property tests for every response at every generated version.
import { test } from 'node:test'
import { SCHEMAS } from './schema-arbitraries.ts'
import { checkRoundTrips } from './roundtrip.ts'

for (const m of SCHEMAS.filter((s) => s.kind === 'response')) {
  test(`${m.name} v${m.versions[0]}-${m.versions[1]} round-trips`, async () => {
    await checkRoundTrips(m, 100)
  })
}
