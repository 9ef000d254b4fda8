// The api-key table: every key present, names, version ranges, header-version rules.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { API_SPECS, ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { Reader } from '../../../src/protocol/primitives/index.ts'
import { SCHEMAS } from './schema-arbitraries.ts'

test('every api key 0..87 is listed, in order, with its name', () => {
  assert.equal(API_SPECS.length, 88)
  API_SPECS.forEach((s, i) => assert.equal(s.key, i))
  assert.equal(ApiKey.Produce, 0)
  assert.equal(ApiKey.Fetch, 1)
  assert.equal(ApiKey.ApiVersions, 18)
  assert.equal(ApiKey.DescribeTopicPartitions, 75)
  assert.equal(API_SPECS[ApiKey.Metadata]!.name, 'Metadata')
})

test('version ranges leave out unstable latest versions', () => {
  const spec = (k: number) => API_SPECS[k]!
  assert.deepEqual([spec(ApiKey.Produce).minVersion, spec(ApiKey.Produce).maxVersion], [0, 11])
  assert.deepEqual([spec(ApiKey.Fetch).minVersion, spec(ApiKey.Fetch).maxVersion], [0, 17])
  assert.equal(spec(ApiKey.EndTxn).maxVersion, 4, 'EndTxn v5 is unstable')
  assert.equal(spec(ApiKey.ConsumerGroupHeartbeat).maxVersion, 0, 'ConsumerGroupHeartbeat v1 is unstable')
  const shareFetch = spec(ApiKey.ShareFetch)
  assert.ok(shareFetch.maxVersion < shareFetch.minVersion, 'ShareFetch has no stable version')
  assert.throws(() => shareFetch.decodeRequest(new Reader(Buffer.alloc(8)), 0), /no version 0/)
  assert.equal(spec(ApiKey.Produce).firstFlexibleVersion, 9)
  assert.equal(spec(ApiKey.SaslHandshake).firstFlexibleVersion, Infinity)
  assert.deepEqual(spec(ApiKey.Produce).deprecatedVersions, { min: 0, max: 6 })
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
