// SASL/OAUTHBEARER (RFC 7628) with Kafka's unsecured token validation (KIP-255): the client's one
// message is `n,[a=<authzid>],` + `\x01auth=Bearer <token>\x01[key=value\x01...]\x01`; the token is
// an unsigned JWS (`{"alg":"none"}`) whose claims say who the client is (`sub` unless
// unsecuredValidatorPrincipalClaimName says otherwise) and until when (`exp`, required). Like
// Kafka's default validator it checks no signature: for development only (a start-up warning
// says so). Signed JWTs against a JWKS (KIP-768) are checked by jwt-validator.ts, which the
// server takes in place of the unsecured check when its listener names Kafka's validator handler.
import { failed } from './mechanism.ts'
import type { SaslServer, SaslStep } from './mechanism.ts'
import type { TokenResult } from './jwt-validator.ts'

export interface UnsecuredJwsOptions {
  /** unsecuredValidatorPrincipalClaimName (default `sub`). */
  readonly principalClaim: string
  /** unsecuredValidatorScopeClaimName (default `scope`). */
  readonly scopeClaim: string
  /** unsecuredValidatorRequiredScope: scopes every token must carry. */
  readonly requiredScope: readonly string[]
  /** unsecuredValidatorAllowableClockSkewMs (default 0). */
  readonly clockSkewMs: number
}

export function unsecuredJwsOptions(options: ReadonlyMap<string, string>): UnsecuredJwsOptions {
  const skew = Number(options.get('unsecuredValidatorAllowableClockSkewMs') ?? '0')
  return {
    principalClaim: options.get('unsecuredValidatorPrincipalClaimName') ?? 'sub',
    scopeClaim: options.get('unsecuredValidatorScopeClaimName') ?? 'scope',
    requiredScope: (options.get('unsecuredValidatorRequiredScope') ?? '').split(/[\s,]+/).filter((s) => s !== ''),
    clockSkewMs: Number.isFinite(skew) && skew >= 0 ? skew : 0,
  }
}

function decodePart(part: string): Record<string, unknown> {
  const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object')
  return value as Record<string, unknown>
}

/** The principal name of a valid unsecured token, or the reason it is not valid. */
export function validateUnsecuredJws(token: string, opts: UnsecuredJwsOptions, nowMs: number): { principal: string, expiresAtMs: number } | { error: string } {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[2] !== '') return { error: 'the token is not an unsecured JWS (header.payload. with an empty signature)' }
  let header: Record<string, unknown>
  let claims: Record<string, unknown>
  try {
    header = decodePart(parts[0])
    claims = decodePart(parts[1])
  } catch (err) {
    return { error: `the token is not valid base64url JSON: ${(err as Error).message}` }
  }
  if (header.alg !== 'none') return { error: `unsecured tokens only: alg must be "none", not ${JSON.stringify(header.alg)}` }
  const exp = claims.exp
  if (typeof exp !== 'number') return { error: 'the token has no numeric exp claim' }
  if (exp * 1000 + opts.clockSkewMs <= nowMs) return { error: 'the token has expired' }
  const iat = claims.iat
  if (typeof iat === 'number' && iat * 1000 - opts.clockSkewMs > nowMs) return { error: 'the token was issued in the future (iat)' }
  const principal = claims[opts.principalClaim]
  if (typeof principal !== 'string' || principal === '') return { error: `the token has no ${opts.principalClaim} claim` }
  if (opts.requiredScope.length > 0) {
    const raw = claims[opts.scopeClaim]
    const scopes = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.map(String) : []
    const missing = opts.requiredScope.filter((s) => !scopes.includes(s))
    if (missing.length > 0) return { error: `the token lacks the required scope ${missing.join(' ')}` }
  }
  return { principal, expiresAtMs: exp * 1000 }
}

/** A token check: the unsecured one (with its options) or a signed-JWT validator's. */
export type TokenCheck = (token: string) => TokenResult | Promise<TokenResult>

export const unsecuredCheck = (opts: UnsecuredJwsOptions, now: () => number = Date.now): TokenCheck =>
  (token) => {
    const r = validateUnsecuredJws(token, opts, now())
    return 'error' in r ? r : { ...r, scopes: [] }
  }

export class OAuthBearerServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER'

  constructor(private readonly check: TokenCheck) {}

  async evaluate(token: Buffer): Promise<SaslStep> {
    const text = token.toString('utf8')
    const m = /^([ny]),(?:a=([^,]*))?,\x01(.*)\x01$/s.exec(text)
    if (!m) return failed('Invalid OAUTHBEARER client response (RFC 7628 expected)')
    const pairs = new Map<string, string>()
    for (const kv of m[3].split('\x01')) {
      if (kv === '') continue
      const eq = kv.indexOf('=')
      if (eq <= 0) return failed('Invalid OAUTHBEARER client response: malformed key=value')
      pairs.set(kv.slice(0, eq), kv.slice(eq + 1))
    }
    const auth = /^Bearer +(\S+)$/i.exec(pairs.get('auth') ?? '')
    if (!auth) return failed('Invalid OAUTHBEARER client response: no "auth=Bearer <token>"')
    const result = await this.check(auth[1])
    if ('error' in result) return failed(`Authentication failed: ${result.error}`)
    if (m[2] && m[2] !== result.principal) {
      return failed('Authentication failed: Client requested an authorization id that is different from the token\'s principal')
    }
    return { kind: 'done', bytes: Buffer.alloc(0), user: result.principal, expiresAtMs: result.expiresAtMs }
  }
}
