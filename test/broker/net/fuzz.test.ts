// Fuzzing every served API through a running broker: well-formed default requests of every
// advertised version, the same with random bytes flipped, cut short, or with random bodies.
// Whatever happens to one connection, the broker must neither crash nor stop serving others.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { pino } from 'pino'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { API_SPECS, ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions.ts'
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions.ts'
import { BUILTIN_HANDLERS } from '../../../src/broker/api/handlers.ts'
import { RawClient, requestFrame, decodeResponseFrame } from '../raw-client.ts'

// Fixed by default so failures reproduce; SAMSA_FUZZ_SEED / SAMSA_FUZZ_RUNS explore further.
const SEED = Number(process.env.SAMSA_FUZZ_SEED ?? 20261125)
const RUNS = Number(process.env.SAMSA_FUZZ_RUNS ?? 150)

let broker: Broker
const errors: string[] = []

before(async () => {
  // Bugs surface as error-level lines (a handler that threw); bad input only as warnings.
  const log = pino({ level: 'error' }, { write: (s: string) => { errors.push(s) } })
  broker = await startBroker({ logger: log, config: { 'auto.create.topics.enable': true } })
})
after(async () => { await broker.close() })

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

/** A default (all fields at their defaults) request frame for every served API and version. */
async function seedFrames(): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (const h of BUILTIN_HANDLERS) {
    const name = API_SPECS[h.apiKey].name
    const mod = (await import(`../../../src/protocol/generated/messages/${kebab(name)}.ts`)) as Record<string, unknown>
    const make = mod[`default${name}Request`] as (() => unknown) | undefined
    if (!make) continue
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      try {
        out.push(requestFrame(h.apiKey, v, out.length, make(), 'fuzz'))
      } catch {
        // Some defaults cannot be encoded at some versions (e.g. a required non-null field).
      }
    }
  }
  return out
}

async function stillServes(): Promise<void> {
  const c = await RawClient.connect(broker.port)
  c.write(requestFrame(ApiKey.ApiVersions, 3, 1, defaultApiVersionsRequest()))
  const res = decodeResponseFrame<ApiVersionsResponse>(ApiKey.ApiVersions, 3, await c.readFrame())
  assert.equal(res.body.errorCode, ErrorCode.NONE)
  c.destroy()
}

/** Sends frames on one connection, lets the broker work on them briefly, then hangs up. */
async function blast(frames: Buffer[]): Promise<void> {
  const c = await RawClient.connect(broker.port)
  c.write(Buffer.concat(frames))
  await c.closesWithin(30)
  c.destroy()
}

test('default requests of every served API and version are handled without a handler failure', async () => {
  const seeds = await seedFrames()
  assert.ok(seeds.length > 100, `only ${seeds.length} seed frames`)
  for (const f of seeds) {
    const c = await RawClient.connect(broker.port)
    c.write(f)
    // Either an answer or a close; requests that wait (Fetch max wait) are abandoned after a moment.
    await Promise.race([c.readFrame(300).catch(() => {}), c.closed])
    c.destroy()
  }
  await stillServes()
  assert.deepEqual(errors, [])
})

test('mutated, truncated and random frames never take the broker down', async () => {
  const seeds = await seedFrames()
  const mutated = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  }).map(({ seed, flips, cut }) => {
    const f = Buffer.from(seeds[seed])
    // Flip bytes of the body only (the header stays valid), so the mutation reaches the body
    // decoder and, when it still decodes, the handler. Header: size, key, version, correlation
    // id, client id 'fuzz' (2 + 4 bytes), and a tagged-field byte in header v2.
    const headerEnd = 4 + 14 + (API_SPECS[f.readInt16BE(4)].requestHeaderVersion(f.readInt16BE(6)) === 2 ? 1 : 0)
    for (const [at, byte] of flips) if (f.length > headerEnd) f[headerEnd + (at % (f.length - headerEnd))] = byte
    if (cut === undefined || f.length <= 8) return f
    const short = f.subarray(0, 8 + (cut % (f.length - 8)))
    short.writeInt32BE(short.length - 4, 0)
    return short
  })
  const random = fc.record({
    key: fc.constantFrom(...BUILTIN_HANDLERS.map((h) => h.apiKey)),
    version: fc.integer({ min: -1, max: 20 }),
    body: fc.uint8Array({ maxLength: 200 }),
  }).map(({ key, version, body }) => {
    const f = Buffer.alloc(12 + body.length)
    f.writeInt32BE(8 + body.length, 0)
    f.writeInt16BE(key, 4)
    f.writeInt16BE(version, 6)
    f.writeInt32BE(1, 8)
    Buffer.from(body).copy(f, 12)
    return f
  })
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(mutated, random), { minLength: 1, maxLength: 8 }), async (frames) => {
    await blast(frames)
  }), { numRuns: RUNS, seed: SEED })
  await stillServes()
  assert.deepEqual(errors.map((e) => JSON.parse(e).msg), [])
})
