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
import type { LeaveGroupRequest } from '../../src/protocol/generated/messages/leave-group.ts'
import type { MetadataRequest } from '../../src/protocol/generated/messages/metadata.ts'
import type { OffsetFetchRequest } from '../../src/protocol/generated/messages/offset-fetch.ts'
import type { TxnOffsetCommitRequest } from '../../src/protocol/generated/messages/txn-offset-commit.ts'

const API_VERSIONS = 18

/**
 * Makes a decoded request encodable at an older version: fields that the older version lacks
 * are reset (the mock ignores them anyway) or moved to their older place.
 */
const DOWNGRADE: Record<number, (body: never) => void> = {
  3: (b: MetadataRequest) => {
    b.allowAutoTopicCreation = true
    b.includeClusterAuthorizedOperations = false
    b.includeTopicAuthorizedOperations = false
  },
  9: (b: OffsetFetchRequest) => {
    b.requireStable = false
  },
  13: (b: LeaveGroupRequest) => {
    b.memberId = b.members[0]?.memberId ?? b.memberId
    b.members = []
  },
  28: (b: TxnOffsetCommitRequest) => {
    b.generationId = -1
    b.memberId = ''
    b.groupInstanceId = null
  },
}

/** Api keys whose Kafka maximum the proxy advertises by default: the ones the mock serves too old. */
export const DEFAULT_ADVERTISE: readonly number[] = [API_VERSIONS, ...Object.keys(DOWNGRADE).map(Number)]

/** What the proxy remembers about a request until its response arrives. */
export interface Pending {
  apiKey: number
  clientVersion: number
  upstreamVersion: number
}

export class Translator {
  /** Highest version the upstream serves, per api key, learnt from its ApiVersions answer. */
  private upstreamMax = new Map<number, number>()

  /**
   * @param apiVersionsMax highest ApiVersions version the upstream answers properly (the 2.0.2
   *   mock: 2); needed before any ApiVersions answer has been seen
   * @param advertise api keys whose Kafka maximum the proxy advertises instead of the upstream's
   */
  constructor(
    private readonly apiVersionsMax = 2,
    private readonly advertise: ReadonlySet<number> = new Set(DEFAULT_ADVERTISE),
  ) {}

  /** The frame to send upstream for a client's request frame. */
  request(frame: Buffer): { upstream: Buffer; pending: Pending } {
    const apiKey = frame.readInt16BE(0)
    const clientVersion = frame.readInt16BE(2)
    const max = apiKey === API_VERSIONS ? this.apiVersionsMax : this.upstreamMax.get(apiKey)
    const pending = { apiKey, clientVersion, upstreamVersion: clientVersion }
    if (max === undefined || clientVersion <= max || !this.advertise.has(apiKey)) return { upstream: frame, pending }
    pending.upstreamVersion = max
    const spec = API_SPECS[apiKey]
    const r = new Reader(frame)
    const header = decodeRequestHeader(r, spec.requestHeaderVersion(clientVersion))
    const body = spec.decodeRequest(r, clientVersion) as object
    DOWNGRADE[apiKey]?.(body as never)
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
    const body = spec.decodeResponse(r, p.upstreamVersion) as object
    if (rewriteVersions) this.advertiseFrom(body as ApiVersionsResponse)
    const w = new Writer()
    encodeResponseHeader(w, header, spec.responseHeaderVersion(p.clientVersion))
    spec.encodeResponse(w, body, p.clientVersion)
    const out = w.finish()
    return { frame: out, translated: !out.equals(frame) }
  }

  private advertiseFrom(res: ApiVersionsResponse): void {
    for (const k of res.apiKeys) {
      this.upstreamMax.set(k.apiKey, k.maxVersion)
      if (this.advertise.has(k.apiKey)) k.maxVersion = API_SPECS[k.apiKey].maxVersion
    }
  }
}
