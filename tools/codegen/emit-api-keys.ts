// Emits api-keys.ts: the table of every API key with its versions, header versions and codecs.
import type { MessageSpec } from './model.ts'
import { HEADER } from './emit-module.ts'

export interface ApiPair {
  key: number
  /** API name without the Request/Response suffix, e.g. Produce. */
  name: string
  request: MessageSpec
  response: MessageSpec
  /** Module path relative to the generated folder, or undefined when no version is stable. */
  module: string | undefined
}

function range(lo: number, hi: number): string {
  return `{ min: ${lo}, max: ${hi} }`
}

export function emitApiKeys(apis: ApiPair[]): string {
  const out: string[] = [HEADER]
  if (apis.some((a) => !a.module)) {
    out.push("import { Reader, type Writer } from '../primitives/index.ts'")
    out.push("import { unsupportedVersion } from '../primitives/index.ts'")
  } else out.push("import type { Reader, Writer } from '../primitives/index.ts'")
  for (const a of apis) {
    if (!a.module) continue
    const n = a.name
    out.push(`import { decode${n}Request, encode${n}Request, decode${n}Response, encode${n}Response } from './${a.module}'`)
  }
  out.push(`
/** Everything needed to route and (de)serialise one API key. */
export interface ApiSpec<Req = unknown, Res = unknown> {
  key: number
  name: string
  /** Lowest and highest stable version (maxVersion < minVersion when no version is stable yet). */
  minVersion: number
  maxVersion: number
  /** First flexible (KIP-482) version; Infinity when there is none. */
  firstFlexibleVersion: number
  /** Server roles that accept the request: broker, controller, zkBroker. */
  listeners: readonly string[]
  deprecatedVersions: { min: number; max: number } | null
  requestHeaderVersion(version: number): number
  responseHeaderVersion(version: number): number
  decodeRequest(r: Reader, version: number): Req
  encodeRequest(w: Writer, value: Req, version: number): void
  decodeResponse(r: Reader, version: number): Res
  encodeResponse(w: Writer, value: Res, version: number): void
}

`)
  // Helpers for APIs without a stable version (none in Kafka 4.4's copy; emitted only when used).
  if (apis.some((a) => !a.module)) {
    out.push(`function noStableDecode(name: string): (r: Reader, version: number) => never {
  return (_r, version) => Reader.unsupportedVersion(name, version)
}

function noStableEncode(name: string): (w: Writer, value: unknown, version: number) => never {
  return (_w, _value, version) => {
    throw unsupportedVersion(name, version)
  }
}
`)
  }
  out.push('/** API key numbers by name. */')
  out.push('export const ApiKey = {')
  for (const a of apis) out.push(`  ${a.name}: ${a.key},`)
  out.push('} as const')
  out.push('export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey]\n')
  out.push('/** Every API key, indexed by key. */')
  out.push('export const API_SPECS: readonly ApiSpec[] = [')
  let expected = 0
  for (const a of apis) {
    if (a.key !== expected) throw new Error(`api keys are not contiguous at ${a.key}`)
    expected++
    const r = a.request
    const flex = r.flexible.lo <= r.flexible.hi ? r.flexible.lo : Infinity
    const flexText = flex === Infinity ? 'Infinity' : String(flex)
    let reqHeader = flex === Infinity ? '() => 1' : `(v: number) => (v >= ${flex} ? 2 : 1)`
    if (a.name === 'ControlledShutdown') reqHeader = `(v: number) => (v === 0 ? 0 : v >= ${flex} ? 2 : 1)`
    let resHeader = flex === Infinity ? '() => 0' : `(v: number) => (v >= ${flex} ? 1 : 0)`
    // ApiVersions responses always use header v0 so that any client can read them.
    if (a.name === 'ApiVersions') resHeader = '() => 0'
    const dep = r.deprecated.lo <= r.deprecated.hi ? range(r.deprecated.lo, r.deprecated.hi) : 'null'
    const n = a.name
    const codecs = a.module
      ? [
          `    decodeRequest: decode${n}Request,`,
          `    encodeRequest: encode${n}Request,`,
          `    decodeResponse: decode${n}Response,`,
          `    encodeResponse: encode${n}Response,`,
        ]
      : [
          `    decodeRequest: noStableDecode('${n}Request'),`,
          `    encodeRequest: noStableEncode('${n}Request'),`,
          `    decodeResponse: noStableDecode('${n}Response'),`,
          `    encodeResponse: noStableEncode('${n}Response'),`,
        ]
    out.push(
      [
        '  {',
        `    key: ${a.key},`,
        `    name: '${n}',`,
        `    minVersion: ${r.valid.lo},`,
        `    maxVersion: ${r.valid.hi},`,
        `    firstFlexibleVersion: ${flexText},`,
        `    listeners: ${JSON.stringify(r.listeners).replace(/"/g, "'").replace(/,/g, ', ')},`,
        `    deprecatedVersions: ${dep},`,
        `    requestHeaderVersion: ${reqHeader},`,
        `    responseHeaderVersion: ${resHeader},`,
        ...codecs,
        '  },',
      ].join('\n'),
    )
  }
  out.push(']')
  return out.join('\n') + '\n'
}
