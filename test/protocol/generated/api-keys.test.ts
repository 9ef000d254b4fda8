// The api-key table: every key present, names, version ranges, header-version rules.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { API_SPECS, ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { Reader } from '../../../src/protocol/primitives/index.ts'
import { SCHEMAS } from './schema-arbitraries.ts'

test('every api key 0..94 is listed, in order, with its name', () => {
  assert.equal(API_SPECS.length, 95)
  API_SPECS.forEach((s, i) => assert.equal(s.key, i))
  assert.equal(ApiKey.Produce, 0)
  assert.equal(ApiKey.Fetch, 1)
  assert.equal(ApiKey.ApiVersions, 18)
  assert.equal(ApiKey.DescribeTopicPartitions, 75)
  assert.equal(ApiKey.ListConfigResources, 74)
  assert.equal(ApiKey.UnregisterController, 94)
  assert.equal(API_SPECS[ApiKey.Metadata]!.name, 'Metadata')
})

test('version ranges: Kafka 4.4 up top, the older copy below (KIP-896), unstable latest versions left out', () => {
  const spec = (k: number) => API_SPECS[k]!
  assert.deepEqual([spec(ApiKey.Produce).minVersion, spec(ApiKey.Produce).maxVersion], [0, 13])
  assert.deepEqual([spec(ApiKey.Fetch).minVersion, spec(ApiKey.Fetch).maxVersion], [0, 18])
  assert.deepEqual([spec(ApiKey.LeaderAndIsr).minVersion, spec(ApiKey.LeaderAndIsr).maxVersion], [0, 7], 'removed API: all from the older copy')
  assert.equal(spec(ApiKey.InitProducerId).maxVersion, 5, 'InitProducerId v6 is unstable')
  assert.equal(spec(ApiKey.EndTxn).maxVersion, 5, 'EndTxn v5 is stable in 4.4')
  const shareFetch = spec(ApiKey.ShareFetch)
  assert.deepEqual([shareFetch.minVersion, shareFetch.maxVersion], [1, 2], 'ShareFetch v0 (early access) was removed in 4.1')
  assert.throws(() => shareFetch.decodeRequest(new Reader(Buffer.alloc(8)), 0), /no version 0/)
  assert.equal(spec(ApiKey.Produce).firstFlexibleVersion, 9)
  assert.equal(spec(ApiKey.SaslHandshake).firstFlexibleVersion, Infinity)
  assert.equal(spec(ApiKey.Produce).deprecatedVersions, null, 'Kafka 4.4 declares no deprecated versions')
  assert.equal(spec(ApiKey.Heartbeat).deprecatedVersions, null)
  assert.deepEqual(spec(ApiKey.Vote).listeners, ['controller'])
})

test('header versions: 2/1 for flexible requests/responses, ControlledShutdown v0 and ApiVersions exceptions', () => {
  const p = API_SPECS[ApiKey.Produce]!
  assert.deepEqual([p.requestHeaderVersion(8), p.requestHeaderVersion(9)], [1, 2])
  assert.deepEqual([p.responseHeaderVersion(8), p.responseHeaderVersion(9)], [0, 1])
  const cs = API_SPECS[ApiKey.ControlledShutdown]!
  assert.deepEqual([0, 1, 2, 3].map((v) => cs.requestHeaderVersion(v)), [0, 1, 1, 2])
  const av = API_SPECS[ApiKey.ApiVersions]!
  assert.deepEqual([0, 3, 4].map((v) => av.requestHeaderVersion(v)), [1, 2, 2])
  assert.deepEqual([0, 3, 4].map((v) => av.responseHeaderVersion(v)), [0, 0, 0])
  const sh = API_SPECS[ApiKey.SaslHandshake]!
  assert.deepEqual([sh.requestHeaderVersion(1), sh.responseHeaderVersion(1)], [1, 0])
})

test('every api with stable versions matches its schema description', () => {
  for (const s of API_SPECS) {
    const req = SCHEMAS.find((m) => m.kind === 'request' && m.apiKey === s.key)
    const res = SCHEMAS.find((m) => m.kind === 'response' && m.apiKey === s.key)
    if (s.maxVersion < s.minVersion) {
      assert.equal(req, undefined, `${s.name} has no stable version and no module`)
      continue
    }
    assert.ok(req && res, `schemas for ${s.name}`)
    assert.equal(req.name, `${s.name}Request`)
    assert.deepEqual(req.versions, [s.minVersion, s.maxVersion])
    assert.deepEqual(res.versions, [s.minVersion, s.maxVersion])
  }
})
