// Version translation between a client and the mock cluster. librdkafka's 2.0.2 mock serves
// only old versions of some APIs (Metadata <= 2, OffsetFetch <= 5, ...), so clients never show
// the versions they send to a real broker. With translation the proxy advertises Kafka's
// maxima for those APIs, re-encodes each newer request at the mock's version and each answer
// back at the client's version (with Samsa's generated codecs). Requests stay exactly what the
// client sent; translated responses are marked synthetic in the fixture index.
import { Reader, Writer } from '../../src/protocol/primitives/index.ts'
import { API_SPECS } from '../../src/protocol/generated/api-keys.ts'
import { decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader } from '../../src/protocol/generated/headers.ts'
import type { ApiVersionsResponse } from '../../src/protocol/generated/messages/api-versions.ts'
import { DOWNGRADE, TopicIds, UPGRADE } from './translate-fixups.ts'

const API_VERSIONS = 18

/**
 * Api keys whose Kafka maximum the proxy advertises by default: those the mock serves too old
 * for librdkafka and KafkaJS (ApiVersions, Metadata, OffsetFetch, LeaveGroup, TxnOffsetCommit).
 */
export const DEFAULT_ADVERTISE: readonly number[] = [API_VERSIONS, 3, 9, 13, 28]

/**
 * Versions of the 2.0.2 mock that answer with broken bytes, so requests are sent below them:
 * ListOffsets v4+ answers repeat the partition's leader epoch (4 stray bytes per partition).
 */
export const MOCK_BUGS: ReadonlyMap<number, number> = new Map([[2, 3]])

export interface TranslatorOptions {
  /** Highest ApiVersions version the upstream answers properly (the 2.0.2 mock: 2). */
  apiVersionsMax?: number
  /** Api key -> the maximum version the proxy advertises instead of the upstream's. */
  advertise?: ReadonlyMap<number, number>
  /** Api key -> the highest version to send upstream, below what it advertises. */
  upstreamCap?: ReadonlyMap<number, number>
}

/** What the proxy remembers about a request until its response arrives. */
export interface Pending {
  apiKey: number
  clientVersion: number
  upstreamVersion: number
  /** The client's request as decoded at its own version (only when translated). */
  request?: object
}

export class Translator {
  /** Highest version the upstream serves, per api key, learnt from its ApiVersions answer. */
  private upstreamMax = new Map<number, number>()
  private readonly topicIds = new TopicIds()

  private readonly apiVersionsMax: number
  private readonly advertise: ReadonlyMap<number, number>
  private readonly upstreamCap: ReadonlyMap<number, number>

  constructor(opts: TranslatorOptions = {}) {
    this.apiVersionsMax = opts.apiVersionsMax ?? 2
    this.advertise = opts.advertise ?? kafkaMaxima(DEFAULT_ADVERTISE)
    this.upstreamCap = opts.upstreamCap ?? MOCK_BUGS
  }

  /** The frame to send upstream for a client's request frame. */
  request(frame: Buffer): { upstream: Buffer; pending: Pending } {
    const apiKey = frame.readInt16BE(0)
    const clientVersion = frame.readInt16BE(2)
    const max = apiKey === API_VERSIONS ? this.apiVersionsMax : this.upstreamMax.get(apiKey)
    const pending: Pending = { apiKey, clientVersion, upstreamVersion: clientVersion }
    if (max === undefined || clientVersion <= max || !this.advertise.has(apiKey)) return { upstream: frame, pending }
    pending.upstreamVersion = max
    const spec = API_SPECS[apiKey]
    const r = new Reader(frame)
    const header = decodeRequestHeader(r, spec.requestHeaderVersion(clientVersion))
    const bodyStart = r.pos
    const body = spec.decodeRequest(r, clientVersion) as object
    // A second, untouched copy: DOWNGRADE edits `body`, UPGRADE needs what the client asked.
    pending.request = spec.decodeRequest(new Reader(frame, bodyStart), clientVersion) as object
    DOWNGRADE[apiKey]?.(body as never, this.topicIds)
    header.requestApiVersion = max
    delete header.unknownTaggedFields
    const w = new Writer()
    encodeRequestHeader(w, header, spec.requestHeaderVersion(max))
    spec.encodeRequest(w, body, max)
    return { upstream: w.finish(), pending }
  }

  /** The frame to give the client for an upstream response; `translated` when re-encoded. */
  response(frame: Buffer, p: Pending): { frame: Buffer; translated: boolean } {
    const rewriteVersions = p.apiKey === API_VERSIONS && frame.readInt16BE(4) === 0
    if (p.upstreamVersion === p.clientVersion && !rewriteVersions) return { frame, translated: false }
    const spec = API_SPECS[p.apiKey]
    const r = new Reader(frame)
    const header = decodeResponseHeader(r, spec.responseHeaderVersion(p.upstreamVersion))
    let body = spec.decodeResponse(r, p.upstreamVersion) as object
    if (rewriteVersions) this.advertiseFrom(body as ApiVersionsResponse)
    const upgrade = UPGRADE[p.apiKey]
    if (upgrade && p.request) body = upgrade(body as never, p.request as never, p.clientVersion, this.topicIds)
    const w = new Writer()
    encodeResponseHeader(w, header, spec.responseHeaderVersion(p.clientVersion))
    spec.encodeResponse(w, body, p.clientVersion)
    const out = w.finish()
    return { frame: out, translated: !out.equals(frame) }
  }

  private advertiseFrom(res: ApiVersionsResponse): void {
    for (const k of res.apiKeys) {
      this.upstreamMax.set(k.apiKey, Math.min(k.maxVersion, this.upstreamCap.get(k.apiKey) ?? Infinity))
      const max = this.advertise.get(k.apiKey)
      if (max !== undefined) k.maxVersion = max
    }
  }
}

/** Advertise Kafka's highest stable version for each of `keys`. */
export function kafkaMaxima(keys: readonly number[]): Map<number, number> {
  return new Map(keys.map((k) => [k, API_SPECS[k].maxVersion]))
}
