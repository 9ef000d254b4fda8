// An unsecured JWS (`"alg":"none"`, no signature) for OAUTHBEARER in development, as Kafka's
// unsecured login module and librdkafka's `sasl.oauthbearer.config` build them: `sub` is the
// principal, `iat`/`exp` bound its life, `scope` lists scopes. Only brokers with Kafka's default
// (unsecured) validator accept it.
export interface UnsecuredJwtOptions {
  principal: string
  /** Lifetime in seconds (default 3600). */
  lifeSeconds?: number
  scope?: readonly string[]
  /** Other claims (string or string list). */
  claims?: Record<string, string | readonly string[]>
  /** Seconds since the epoch (default now). */
  now?: number
}

const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url')

export function unsecuredJwt(o: UnsecuredJwtOptions): string {
  const iat = o.now ?? Math.floor(Date.now() / 1000)
  const payload: Record<string, unknown> = { ...o.claims, sub: o.principal, iat, exp: iat + (o.lifeSeconds ?? 3600) }
  if (o.scope && o.scope.length > 0) payload.scope = [...o.scope]
  return `${b64url({ alg: 'none' })}.${b64url(payload)}.`
}
