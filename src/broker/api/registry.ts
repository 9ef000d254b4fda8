// The set of handlers a broker serves, keyed by API key. Registration order does not matter;
// ApiVersions lists the registered keys in ascending order with their declared ranges.
import type { ApiHandler } from './handler.ts'

export interface AdvertisedApi {
  readonly apiKey: number
  readonly minVersion: number
  readonly maxVersion: number
}

export class HandlerRegistry {
  private readonly byKey: (ApiHandler | undefined)[] = []

  constructor(handlers: Iterable<ApiHandler> = []) {
    for (const h of handlers) this.register(h)
  }

  register(h: ApiHandler): void {
    if (!Number.isInteger(h.apiKey) || h.apiKey < 0 || h.apiKey > 32767) throw new Error(`bad api key ${h.apiKey}`)
    if (h.minVersion < 0 || h.maxVersion < h.minVersion) throw new Error(`api ${h.apiKey}: bad version range ${h.minVersion}-${h.maxVersion}`)
    if (this.byKey[h.apiKey]) throw new Error(`api ${h.apiKey} registered twice`)
    this.byKey[h.apiKey] = h
  }

  get(apiKey: number): ApiHandler | undefined {
    return apiKey >= 0 ? this.byKey[apiKey] : undefined
  }

  /** Everything to advertise in ApiVersions, ascending by key. */
  advertised(): AdvertisedApi[] {
    const out: AdvertisedApi[] = []
    for (const h of this.byKey) if (h) out.push({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })
    return out
  }
}
