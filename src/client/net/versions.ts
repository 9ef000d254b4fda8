// Version negotiation: for each API the client sends min(client max, broker max), provided it is
// not below either side's minimum. The client's range is the generated codec's range, capped where
// a newer version changes semantics this client does not implement yet (topic ids instead of
// names in Produce 13, Fetch 13+, OffsetCommit/OffsetFetch 10; transaction version 2 in EndTxn 5
// and TxnOffsetCommit 5, which the Java producer also uses only when the cluster finalizes it).
import { API_SPECS } from '../../protocol/generated/api-keys.ts'
import type { ApiVersionsResponse } from '../../protocol/generated/messages/api-versions.ts'
import { UnsupportedVersionError } from '../errors.ts'

const CLIENT_CAPS: Readonly<Record<number, number>> = {
  0: 12, // Produce 13 addresses topics by id
  1: 12, // Fetch 13+ address topics by id
  2: 10, // ListOffsets
  3: 12, // Metadata
  8: 9, // OffsetCommit 10 uses topic ids
  9: 9, // OffsetFetch 10 uses topic ids
  24: 3, // AddPartitionsToTxn 4+ is the batched broker-to-broker form
  26: 4, // EndTxn 5 bumps the producer epoch at every end (transaction version 2)
  28: 4, // TxnOffsetCommit 5 adds the offsets partition itself (transaction version 2)
}

export function clientMaxVersion(apiKey: number): number {
  const spec = API_SPECS[apiKey]
  if (spec === undefined) return -1
  const cap = CLIENT_CAPS[apiKey]
  return cap === undefined ? spec.maxVersion : Math.min(cap, spec.maxVersion)
}

export class ApiVersionTable {
  /** Negotiated version per api key; -1 when the broker does not offer a usable one. */
  private readonly chosen: Int16Array

  constructor(response: Pick<ApiVersionsResponse, 'apiKeys'>) {
    this.chosen = new Int16Array(API_SPECS.length).fill(-1)
    for (const k of response.apiKeys) {
      const spec = API_SPECS[k.apiKey]
      if (spec === undefined) continue
      const v = Math.min(clientMaxVersion(k.apiKey), k.maxVersion)
      if (v >= Math.max(spec.minVersion, k.minVersion)) this.chosen[k.apiKey] = v
    }
  }

  /** The version to send, or an UnsupportedVersionError naming the API. */
  version(apiKey: number): number {
    const v = this.chosen[apiKey] ?? -1
    if (v < 0) throw new UnsupportedVersionError(`the broker offers no version of ${API_SPECS[apiKey]?.name ?? `api ${apiKey}`} this client speaks`)
    return v
  }

  supports(apiKey: number, minVersion = 0): boolean {
    return (this.chosen[apiKey] ?? -1) >= minVersion
  }
}
