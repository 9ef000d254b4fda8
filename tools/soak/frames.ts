// Request frames for the soak: a real-shaped seed per request (the fields a client would send:
// a few topic, group and transactional-id names, real record batches, sensible timeouts), then a
// few of its fields mutated (fresh names, boundary numbers, repeated array entries, garbage
// bytes) and, now and then, bytes of the encoded frame flipped or cut. Built from the generated
// schemas (schemas.json) and encoders, so every API and version the broker serves is covered.
import { Writer, ZERO_UUID } from '../../src/protocol/primitives/index.ts'
import { API_SPECS } from '../../src/protocol/generated/api-keys.ts'
import { encodeRequestHeader } from '../../src/protocol/generated/headers.ts'
import { buildRecordBatch } from '../../src/protocol/records/index.ts'
import { SCHEMAS, defaultValue, inRange, loadCodec } from '../../test/protocol/generated/schema-arbitraries.ts'
import type { Codec, FieldSchema, MessageSchema } from '../../test/protocol/generated/schema-arbitraries.ts'

/** A served API with its version range (from the broker's ApiVersions answer). */
export interface ServedApi {
  apiKey: number
  minVersion: number
  maxVersion: number
}

/** mulberry32: a small seeded generator, so a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TOPICS = ['soak-a', 'soak-b', 'soak-c']
const GROUPS = ['soak-g0', 'soak-g1', 'soak-g2']
const TXN_IDS = ['soak-t0', 'soak-t1']
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789._-'

/** What the seed puts in a field, by its name (the schemas name fields consistently across APIs). */
type Leaf = { obj: Record<string, unknown>, prop: string, field: FieldSchema, index?: number }

export class FrameFuzzer {
  private readonly rng: () => number
  private readonly apis: { api: ServedApi, schema: MessageSchema, codec: Codec }[]
  private correlationId = 0
  /** Apis clients use all the time get more of the frames. */
  private readonly weighted: number[]

  private constructor(rng: () => number, apis: { api: ServedApi, schema: MessageSchema, codec: Codec }[]) {
    this.rng = rng
    this.apis = apis
    const hot = new Set([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 19, 22, 24, 25, 26, 28])
    this.weighted = apis.flatMap((a, i) => (hot.has(a.api.apiKey) ? [i, i, i, i] : [i]))
  }

  static async create(served: readonly ServedApi[], seed: number): Promise<FrameFuzzer> {
    const apis = []
    for (const api of served) {
      const schema = SCHEMAS.find((m) => m.kind === 'request' && m.apiKey === api.apiKey)
      if (!schema || !API_SPECS[api.apiKey]) continue
      apis.push({ api, schema, codec: await loadCodec(schema) })
    }
    return new FrameFuzzer(seededRandom(seed), apis)
  }

  private int(n: number): number {
    return Math.floor(this.rng() * n)
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]
  }

  /** One request frame (size prefix included): a real-shaped request with a few mutations. */
  next(): Buffer {
    const { api, schema, codec } = this.apis[this.pick(this.weighted)]
    const version = api.minVersion + this.int(api.maxVersion - api.minVersion + 1)
    const leaves: Leaf[] = []
    const body = this.seed(schema, codec, schema.name, version, leaves)
    const mutations = this.rng() < 0.15 ? 0 : 1 + this.int(3)
    for (let i = 0; i < mutations && leaves.length > 0; i++) this.mutate(this.pick(leaves), schema, codec, version)
    let frame: Buffer
    try {
      frame = this.encode(api.apiKey, version, body)
    } catch {
      // A mutation the encoder refuses (e.g. a string too long for its length prefix): the seed.
      frame = this.encode(api.apiKey, version, this.seed(schema, codec, schema.name, version, []))
    }
    const r = this.rng()
    if (r < 0.08) return this.flipBytes(frame)
    if (r < 0.12) return this.cut(frame)
    return frame
  }

  private encode(apiKey: number, version: number, body: unknown): Buffer {
    const spec = API_SPECS[apiKey]
    const w = new Writer(256)
    w.int32(0)
    const clientId = this.rng() < 0.02 ? null : 'soak'
    encodeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId: this.correlationId++, clientId },
      spec.requestHeaderVersion(version))
    spec.encodeRequest(w, body, version)
    w.patchInt32(0, w.length - 4)
    return w.finish()
  }

  private seed(m: MessageSchema, codec: Codec, struct: string, version: number, leaves: Leaf[]): Record<string, unknown> {
    const out = codec.defaults(struct) as Record<string, unknown>
    for (const f of m.structs[struct] ?? []) {
      if (!inRange(f.versions, version)) continue
      if (f.type.startsWith('[]')) {
        const elem = f.type.slice(2)
        const n = 1 + this.int(2)
        const arr: unknown[] = []
        for (let i = 0; i < n; i++) {
          if (f.struct) arr.push(this.seed(m, codec, elem, version, leaves))
          else {
            arr.push(this.seedValue(elem, f.prop, struct))
            leaves.push({ obj: arr as unknown as Record<string, unknown>, prop: String(i), field: { ...f, type: elem }, index: i })
          }
        }
        out[f.prop] = arr
        leaves.push({ obj: out, prop: f.prop, field: f })
      } else if (f.struct) {
        out[f.prop] = this.seed(m, codec, f.type, version, leaves)
      } else {
        out[f.prop] = this.seedValue(f.type, f.prop, struct, f, version)
        leaves.push({ obj: out, prop: f.prop, field: f })
      }
    }
    return out
  }

  /** The value a real client would send in this field. */
  private seedValue(type: string, prop: string, struct: string, f?: FieldSchema, version = 0): unknown {
    const p = prop.toLowerCase()
    switch (type) {
      case 'string':
        if (p.includes('transactionalid')) return struct === 'ProduceRequest' ? null : this.pick(TXN_IDS)
        if (p.includes('group') && !p.includes('instance')) return this.pick(GROUPS)
        if (p === 'key' || p === 'coordinatorkeys') return this.pick(GROUPS)
        if (p.includes('instanceid')) return f && inRange(f.nullable, version) ? null : ''
        if (p === 'memberid') return ''
        if (p === 'protocoltype') return 'consumer'
        if (p === 'protocolname') return 'range'
        if (struct.includes('Protocol') && p === 'name') return 'range'
        if (struct.includes('Config') && p === 'name') return this.pick(['retention.ms', 'cleanup.policy', 'segment.bytes'])
        if (p === 'value') return '1000'
        if (p === 'name' || p === 'topic' || p === 'topicname' || p === 'topicnames' || p === 'resourcename') return this.pick(TOPICS)
        if (p.includes('state')) return 'Stable'
        if (f && inRange(f.nullable, version)) return null
        return 'soak'
      case 'int8':
      case 'int16':
        if (p === 'acks') return this.pick([1, -1, 0])
        if (p.includes('epoch')) return -1
        if (p === 'replicationfactor') return 1
        if (p === 'resourcetype') return this.pick([2, 4])
        return 0
      case 'int32':
      case 'uint16':
      case 'uint32':
        if (p.includes('partition') || p === 'index') return this.int(3)
        if (p.includes('timeout')) return p.includes('session') ? 10_000 : 1000
        if (p === 'maxwaitms') return 50
        if (p.includes('maxbytes')) return 1 << 20
        if (p === 'minbytes') return 1
        if (p === 'numpartitions' || p === 'count') return 1 + this.int(3)
        if (p === 'replicaid' || p.includes('epoch') || p.includes('generation')) return -1
        return 0
      case 'int64':
        if (p === 'producerid') return -1n
        if (p === 'timestamp') return -1n
        return 0n
      case 'bool':
        return p === 'allowautotopiccreation'
      case 'float64':
        return 1
      case 'uuid':
        return ZERO_UUID
      case 'bytes':
        return Buffer.from([0, 1, 0, 0, 0, 1, 0, 6, 115, 111, 97, 107, 45, 97, 0, 0, 0, 0])
      case 'records':
        return this.batch()
    }
    return f ? defaultValue(f, { defaults: () => ({}) } as unknown as Codec) : null
  }

  /** A record batch as a producer sends it: sometimes idempotent or transactional, with a random producer id. */
  private batch(): Buffer {
    const n = 1 + this.int(5)
    const records = Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(10 + this.int(200), 0x61) }))
    const r = this.rng()
    const idempotent = r < 0.4
    return buildRecordBatch({
      records,
      producerId: idempotent ? this.int(1 << 30) : -1,
      producerEpoch: idempotent ? 0 : -1,
      baseSequence: idempotent ? (this.rng() < 0.7 ? 0 : this.int(1000)) : -1,
      transactional: idempotent && r < 0.1,
    })
  }

  private mutate(leaf: Leaf, m: MessageSchema, codec: Codec, version: number): void {
    const { obj, prop, field } = leaf
    const type = field.type
    const nullable = inRange(field.nullable, version)
    if (type.startsWith('[]')) {
      const arr = obj[prop] as unknown[] | null
      const r = this.rng()
      if (r < 0.2 && nullable) obj[prop] = null
      else if (r < 0.4 || !arr || arr.length === 0) obj[prop] = []
      else {
        // Many entries: the same element again, or fresh seeds (new names) when it is a struct.
        const n = 2 + this.int(60)
        const out: unknown[] = []
        const elem = type.slice(2)
        for (let i = 0; i < n; i++) {
          if (field.struct && this.rng() < 0.5) {
            const s = this.seed(m, codec, elem, version, [])
            this.freshNames(s)
            out.push(s)
          } else out.push(arr[i % arr.length])
        }
        obj[prop] = out
      }
      return
    }
    if (field.struct) return
    if (nullable && this.rng() < 0.1) {
      obj[prop] = null
      return
    }
    switch (type) {
      case 'string':
        obj[prop] = this.randomString()
        return
      case 'int8':
        obj[prop] = this.pick([-128, 127, -1, 0, 1, this.int(256) - 128])
        return
      case 'int16':
        obj[prop] = this.pick([-32768, 32767, -1, 0, 1, this.int(65536) - 32768])
        return
      case 'int32':
        obj[prop] = this.pick([-(2 ** 31), 2 ** 31 - 1, -1, 0, 1, 100_000, this.int(2 ** 32) - 2 ** 31, this.int(1000)])
        return
      case 'uint16':
        obj[prop] = this.int(65536)
        return
      case 'uint32':
        obj[prop] = this.int(2 ** 32)
        return
      case 'int64':
        obj[prop] = this.pick([-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, BigInt(this.int(2 ** 31)), BigInt(Date.now()) + 86_400_000n])
        return
      case 'bool':
        obj[prop] = !obj[prop]
        return
      case 'uuid':
        obj[prop] = Buffer.from(Array.from({ length: 16 }, () => this.int(256))).toString('base64url')
        return
      case 'bytes':
      case 'records':
        obj[prop] = this.rng() < 0.5 ? this.batch() : this.randomBytes(this.pick([0, 8, 61, 200, 5000]))
        return
    }
  }

  /** Every string of a fresh struct gets a new name: new topics, groups, members, transactional ids. */
  private freshNames(s: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(s)) if (typeof v === 'string' && k !== 'protocolType') s[k] = this.randomName()
  }

  private randomName(): string {
    const len = 1 + this.int(this.rng() < 0.05 ? 250 : 24)
    let s = ''
    for (let i = 0; i < len; i++) s += NAME_CHARS[this.int(NAME_CHARS.length)]
    return s
  }

  private randomString(): string {
    const r = this.rng()
    if (r < 0.7) return this.randomName()
    if (r < 0.8) return ''
    if (r < 0.9) return String.fromCharCode(...Array.from({ length: 1 + this.int(20) }, () => this.int(0xd7ff)))
    return 'x'.repeat(this.int(5000))
  }

  private randomBytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }

  private flipBytes(frame: Buffer): Buffer {
    const f = Buffer.from(frame)
    const n = 1 + this.int(4)
    // The size prefix stays: a frame that announces more than it sends would stall the connection.
    for (let i = 0; i < n && f.length > 4; i++) f[4 + this.int(f.length - 4)] = this.int(256)
    return f
  }

  private cut(frame: Buffer): Buffer {
    if (frame.length <= 12) return frame
    const f = Buffer.from(frame.subarray(0, 12 + this.int(frame.length - 12)))
    f.writeInt32BE(f.length - 4, 0)
    return f
  }
}
