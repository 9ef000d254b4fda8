// KIP-768's broker-side token validation, turned on for a listener the way Kafka turns it on:
// `listener.name.<l>.oauthbearer.sasl.server.callback.handler.class` names Kafka's
// OAuthBearerValidatorCallbackHandler and `sasl.oauthbearer.jwks.endpoint.url` says where the
// signing keys are (jwks.ts). A token must be a signed JWT (never alg "none") whose signature a
// key of the set verifies, with exp and iat, the expected issuer and one of the expected audiences
// (Kafka 4's broker refuses to start without them unless sasl.oauthbearer.allow.unverified.issuer
// / .audience say so), within sasl.oauthbearer.clock.skew.seconds; the principal is the
// sasl.oauthbearer.sub.claim.name claim and the scopes come from sasl.oauthbearer.scope.claim.name.
import type { Logger } from 'pino'
import { ConfigError } from '../../config/config-error.ts'
import type { BrokerConfig } from '../../config/broker-config.ts'
import { listenerKeyId } from '../../config/listener-prefix.ts'
import { JwksSource } from './jwks.ts'

/** Kafka's validator callback handler, under the names Kafka 3.1 to 4.x have given it. */
export const VALIDATOR_HANDLER_CLASSES = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.internals.secured.OAuthBearerValidatorCallbackHandler',
]
/** Kafka's default, the unsecured validator (oauthbearer.ts). */
export const UNSECURED_HANDLER_CLASS = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler'

export interface JwtValidatorOptions {
  readonly jwksUrl: string
  readonly refreshMs: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
  readonly expectedIssuer: string | undefined
  readonly expectedAudience: readonly string[]
  readonly subClaim: string
  readonly scopeClaim: string
  readonly clockSkewSeconds: number
}

export type TokenResult = { principal: string, scopes: readonly string[], expiresAtMs: number } | { error: string }

/** The listener's validator options when it names Kafka's validator handler; undefined for the unsecured default. */
export function jwtValidatorOptions(config: BrokerConfig, listener: string): JwtValidatorOptions | undefined {
  const get = (key: string) => config.forListener(listener, key, 'oauthbearer')
  const keyName = (key: string) => listenerKeyId(listener, key, 'oauthbearer')
  const handler = get('sasl.server.callback.handler.class') as string | null
  if (handler === null || handler === '' || handler === UNSECURED_HANDLER_CLASS) return undefined
  if (!VALIDATOR_HANDLER_CLASSES.includes(handler)) {
    throw new ConfigError(keyName('sasl.server.callback.handler.class'), `${handler} is not served: OAUTHBEARER tokens are validated by ` +
      `${VALIDATOR_HANDLER_CLASSES[0]} (signed JWTs against a JWKS) or the unsecured default ${UNSECURED_HANDLER_CLASS}`)
  }
  const url = get('sasl.oauthbearer.jwks.endpoint.url') as string | null
  if (url === null || url === '') {
    throw new ConfigError(keyName('sasl.oauthbearer.jwks.endpoint.url'), `${handler} needs the JWKS that signs the tokens: a file:, http: or https: URL`)
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError(keyName('sasl.oauthbearer.jwks.endpoint.url'), `"${url}" is not a URL`)
  }
  if (!['file:', 'http:', 'https:'].includes(parsed.protocol)) {
    throw new ConfigError(keyName('sasl.oauthbearer.jwks.endpoint.url'), `"${url}": the JWKS URL must be file:, http: or https:`)
  }
  const issuer = get('sasl.oauthbearer.expected.issuer') as string | null
  const audience = (get('sasl.oauthbearer.expected.audience') as readonly string[] | null) ?? []
  if ((issuer === null || issuer === '') && get('sasl.oauthbearer.allow.unverified.issuer') !== true) {
    throw new ConfigError(keyName('sasl.oauthbearer.expected.issuer'), 'the token\'s issuer (iss) must be checked: set the issuer of the tokens, ' +
      'or set sasl.oauthbearer.allow.unverified.issuer=true to accept any')
  }
  if (audience.length === 0 && get('sasl.oauthbearer.allow.unverified.audience') !== true) {
    throw new ConfigError(keyName('sasl.oauthbearer.expected.audience'), 'the token\'s audience (aud) must be checked: set the audiences that name this cluster, ' +
      'or set sasl.oauthbearer.allow.unverified.audience=true to accept any')
  }
  return {
    jwksUrl: url,
    refreshMs: Number(get('sasl.oauthbearer.jwks.endpoint.refresh.ms')),
    retryBackoffMs: Number(get('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms')),
    retryBackoffMaxMs: Number(get('sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms')),
    expectedIssuer: issuer === null || issuer === '' ? undefined : issuer,
    expectedAudience: audience,
    subClaim: get('sasl.oauthbearer.sub.claim.name') as string,
    scopeClaim: get('sasl.oauthbearer.scope.claim.name') as string,
    clockSkewSeconds: Number(get('sasl.oauthbearer.clock.skew.seconds')),
  }
}

/** Reasons as the client reads them (jose's wording for its own checks). */
function reason(err: unknown): string {
  const e = err as { code?: string, claim?: string, message?: string }
  switch (e.code) {
    case 'ERR_JWT_EXPIRED': return 'the token has expired (exp)'
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': return 'the signature does not verify'
    case 'ERR_JWKS_NO_MATCHING_KEY': return 'no key of the JWKS matches the token (kid / alg)'
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': return e.claim ? `${e.message} (${e.claim})` : e.message ?? 'a claim is not valid'
    default: return e.message ?? String(err)
  }
}

export class JwtValidator {
  private readonly keys: JwksSource

  constructor(readonly opts: JwtValidatorOptions, log: Logger) {
    this.keys = new JwksSource({ url: opts.jwksUrl, refreshMs: opts.refreshMs, retryBackoffMs: opts.retryBackoffMs, retryBackoffMaxMs: opts.retryBackoffMaxMs }, log)
    this.keys.start()
  }

  get jwks(): JwksSource {
    return this.keys
  }

  close(): void {
    this.keys.close()
  }

  async validate(token: string): Promise<TokenResult> {
    const { jwtVerify } = await import('jose')
    let payload: Record<string, unknown>
    try {
      const verified = await jwtVerify(token, this.keys.getKey, {
        issuer: this.opts.expectedIssuer,
        audience: this.opts.expectedAudience.length > 0 ? [...this.opts.expectedAudience] : undefined,
        clockTolerance: this.opts.clockSkewSeconds,
        requiredClaims: ['exp', 'iat'],
      })
      payload = verified.payload as Record<string, unknown>
    } catch (err) {
      return { error: `Could not validate the access token: ${reason(err)}` }
    }
    const sub = payload[this.opts.subClaim]
    if (typeof sub !== 'string' || sub.trim() === '') return { error: `the token has no ${this.opts.subClaim} claim (a non-empty string)` }
    const rawScope = payload[this.opts.scopeClaim]
    const scopes = typeof rawScope === 'string' ? rawScope.split(' ').filter((s) => s !== '') : Array.isArray(rawScope) ? rawScope.map(String) : []
    return { principal: sub.trim(), scopes, expiresAtMs: Number(payload.exp) * 1000 }
  }
}
