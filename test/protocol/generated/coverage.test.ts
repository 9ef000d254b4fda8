// "Done" check of issue 2, independent of the generator's own output: every API key in Kafka's
// message schemas has request and response codecs for exactly its stable versions (validVersions
// without a `latestVersionUnstable` last version), read straight from ../shared: Kafka 4.4's
// definitions, extended down to the versions Kafka 4 removed (KIP-896) from the older copy.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { API_SPECS } from '../../../src/protocol/generated/api-keys.ts'
import { ProtocolDecodeError, Reader } from '../../../src/protocol/primitives/index.ts'
import { stripComments } from '../../../tools/codegen/strip-comments.ts'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const dir = resolve(repo, process.env.SAMSA_PROTOCOL_DIR ?? '../shared/kafka-protocol-4.4', 'message')
const olderDir = resolve(dir, '../../kafka-protocol/message')

interface Schema {
  type: string
  name: string
  apiKey?: number
  validVersions: string
  latestVersionUnstable?: boolean
}

function stableRange(s: Schema): [number, number] | undefined {
  if (s.validVersions === 'none') return undefined
  const [lo, hi = lo] = s.validVersions.split(/[-+]/).filter((x) => x !== '').map(Number) as [number, number?]
  const top = s.latestVersionUnstable ? hi! - 1 : hi!
  return top >= lo ? [lo, top] : undefined // a single unstable version: none served
}

function readRequests(folder: string): Schema[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('Request.json'))
    .map((f) => JSON.parse(stripComments(readFileSync(resolve(folder, f), 'utf8'))) as Schema)
    .filter((s) => s.type === 'request')
}

/** Newest stable maximum; minimum reaches down into the older copy's versions (Kafka 4 dropped them). */
function servedRange(s: Schema, older: Schema | undefined): [number, number] {
  const now = stableRange(s)
  const old = older && stableRange(older)
  if (!now) return old!
  return [old ? Math.min(old[0], now[0]) : now[0], now[1]]
}

/** Decoding at `version` fails only for lack of bytes (or succeeds), never for the version. */
function versionKnown(decode: (r: Reader, v: number) => unknown, version: number): boolean {
  try {
    decode(new Reader(Buffer.alloc(0)), version)
    return true
  } catch (e) {
    assert.ok(e instanceof ProtocolDecodeError, String(e))
    return e.reason !== 'unsupported-version'
  }
}

test('every api key of the message schemas has codecs for all of its stable versions, and no others', { skip: !existsSync(dir) && 'no ../shared/kafka-protocol-4.4' }, () => {
  const requests = readRequests(dir)
  const older = new Map(readRequests(olderDir).map((s) => [s.apiKey!, s]))
  assert.equal(requests.length, 95)
  assert.equal(API_SPECS.length, requests.length)
  let stableVersions = 0
  for (const s of requests) {
    const spec = API_SPECS[s.apiKey!]
    assert.ok(spec, `api key ${s.apiKey}`)
    assert.equal(`${spec.name}Request`, s.name)
    const [lo, hi] = servedRange(s, older.get(s.apiKey!))
    assert.deepEqual([spec.minVersion, spec.maxVersion], [lo, hi], s.name)
    for (let v = lo; v <= hi; v++) {
      assert.ok(versionKnown(spec.decodeRequest, v), `${s.name} v${v}`)
      assert.ok(versionKnown(spec.decodeResponse, v), `${spec.name}Response v${v}`)
      stableVersions++
    }
    assert.equal(versionKnown(spec.decodeRequest, hi + 1), false, `${s.name} v${hi + 1} is not stable`)
    if (lo > 0) assert.equal(versionKnown(spec.decodeRequest, lo - 1), false)
  }
  assert.ok(stableVersions >= 300, `${stableVersions} stable versions`)
})
