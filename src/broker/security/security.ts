// The broker's security service: each listener's demands (built at start), SCRAM credentials (in
// the metadata store, attached once it is open), and the SASL exchange steps shared by
// SaslAuthenticate and the raw tokens that follow SaslHandshake v0.
import type { Logger } from 'pino'
import type { BrokerConfig } from '../config/broker-config.ts'
import type { ListenerAddress } from '../config/listeners.ts'
import { ConfigError } from '../config/config-error.ts'
import { AclStore } from './acl/acl-store.ts'
import { AUTHORIZER_CLASSES, Authorizer, parseSuperUsers } from './acl/authorizer.ts'
import type { MetadataStore } from '../cluster/store/metadata-store.ts'
import { listenerSecurity } from './listener-security.ts'
import type { ListenerSecurity } from './listener-security.ts'
import type { ListenerTls } from './tls-options.ts'
import { ScramCredentials } from './scram-credentials.ts'
import { PlainServer } from './sasl/plain.ts'
import { ScramServer } from './sasl/scram.ts'
import { OAuthBearerServer, unsecuredCheck } from './sasl/oauthbearer.ts'
import { JwtValidator } from './sasl/jwt-validator.ts'
import type { SaslServer, SaslStep } from './sasl/mechanism.ts'
import type { SecuritySession } from './session.ts'
import { CauseLogLimiter } from '../net/log-limiter.ts'

export class Security {
  private readonly byName = new Map<string, ListenerSecurity>()
  /** KIP-768 validators by listener (each with its JWKS). */
  private readonly jwtValidators = new Map<string, JwtValidator>()
  private credentials: ScramCredentials | undefined
  /** connection.failed.authentication.delay.ms */
  readonly failedAuthDelayMs: number
  /** sasl.server.max.receive.size: the largest frame taken before authentication. */
  readonly maxUnauthenticatedBytes: number
  /** Set when authorizer.class.name turns ACLs on (once the metadata store is open). */
  authorizer: Authorizer | undefined
  /** The ACL bindings (with the authorizer). */
  acls: AclStore | undefined
  private readonly authorizerClass: string
  /** Failed-login lines: one per listener, mechanism, user and reason per window, then a summary. */
  private readonly failedLogins: CauseLogLimiter

  constructor(config: BrokerConfig, listeners: readonly ListenerAddress[], private readonly log: Logger) {
    for (const l of listeners) {
      const sec = listenerSecurity(config, l)
      this.byName.set(l.name, sec)
      if (sec.oauth) log.warn({ listener: l.name }, `listener ${l.name} accepts unsecured OAUTHBEARER tokens (no signature check, as Kafka's default validator): for development only`)
      if (sec.oauthJwt) this.jwtValidators.set(l.name, new JwtValidator(sec.oauthJwt, log))
    }
    this.failedAuthDelayMs = config.int('connection.failed.authentication.delay.ms')
    this.failedLogins = new CauseLogLimiter(log, 'failed authentication lines suppressed (same cause within the window)')
    this.maxUnauthenticatedBytes = config.int('sasl.server.max.receive.size')
    this.authorizerClass = config.string('authorizer.class.name')
    if (this.authorizerClass !== '' && !AUTHORIZER_CLASSES.includes(this.authorizerClass)) {
      throw new ConfigError('authorizer.class.name', `${this.authorizerClass} is not served: Samsa's ACLs are turned on by ${AUTHORIZER_CLASSES.join(' or ')}`)
    }
    this.superUsers = parseSuperUsers(config.get('super.users') as string | null)
    this.allowIfNoAcl = config.bool('allow.everyone.if.no.acl.found')
  }

  private readonly superUsers: Set<string>
  private readonly allowIfNoAcl: boolean

  /** Loads the ACLs and starts authorizing, when authorizer.class.name asks for it. */
  async openAuthorizer(store: MetadataStore): Promise<void> {
    if (this.authorizerClass === '') return
    const acls = new AclStore(store, this.log)
    await acls.open()
    this.acls = acls
    this.authorizer = new Authorizer(acls, this.superUsers, this.allowIfNoAcl)
  }

  close(): void {
    this.acls?.close()
    for (const v of this.jwtValidators.values()) v.close()
  }

  /** The listener's KIP-768 validator, when it has one. */
  jwtValidator(listener: string): JwtValidator | undefined {
    return this.jwtValidators.get(listener)
  }

  listener(name: string): ListenerSecurity | undefined {
    return this.byName.get(name)
  }

  /** New TLS settings for a listener (a reloaded key store): connections made from now on see them. */
  setListenerTls(name: string, tls: ListenerTls): void {
    const sec = this.byName.get(name)
    if (sec) this.byName.set(name, { ...sec, tls })
  }

  attachStore(store: MetadataStore): void {
    this.credentials = new ScramCredentials(store)
  }

  get scram(): ScramCredentials {
    if (!this.credentials) throw new Error('SCRAM credentials are not available before the metadata store is open')
    return this.credentials
  }


  private newServer(mechanism: string): SaslServer | undefined {
    // Mechanisms are matched exactly, as Kafka does (clients send them upper-case).
    if (mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512') return new ScramServer(mechanism, (u, m) => this.scram.get(u, m))
    return undefined
  }

  private oauthServer(l: ListenerSecurity): SaslServer | null {
    const jwt = this.jwtValidators.get(l.name)
    if (jwt) return new OAuthBearerServer((token) => jwt.validate(token))
    return l.oauth ? new OAuthBearerServer(unsecuredCheck(l.oauth)) : null
  }

  /** Starts the exchange for `mechanism` on the session's listener; false when the listener does not enable it. */
  begin(session: SecuritySession, mechanism: string): boolean {
    if (!session.listener.mechanisms.includes(mechanism)) return false
    const l = session.listener
    if (session.reauthenticating && mechanism !== session.mechanism) {
      // Answered as accepted; the SaslAuthenticate that follows fails with this (as in Kafka).
      session.reauthRefusal = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${session.mechanism}'`
      return true
    }
    session.sasl = mechanism === 'PLAIN' ? new PlainServer(l.plainUsers)
      : mechanism === 'OAUTHBEARER' ? this.oauthServer(l) : this.newServer(mechanism) ?? null
    return session.sasl !== null
  }

  /**
   * Kafka's session lifetime (KIP-368): the listener's connections.max.reauth.ms for the mechanism
   * when positive, bounded by the credential's expiry (a token's exp) when it has one.
   */
  private startSession(session: SecuritySession, mechanism: string, credentialExpiresAtMs: number | undefined): void {
    const now = Date.now()
    const max = session.listener.maxReauthMs.get(mechanism) ?? 0
    if (credentialExpiresAtMs === undefined && max <= 0) {
      session.expiresAtMs = undefined
      session.sessionLifetimeMs = 0
      return
    }
    const untilExpiry = credentialExpiresAtMs === undefined ? Number.POSITIVE_INFINITY : credentialExpiresAtMs - now
    const lifetime = Math.max(0, Math.min(untilExpiry, max > 0 ? max : Number.POSITIVE_INFINITY))
    session.sessionLifetimeMs = lifetime
    session.expiresAtMs = now + lifetime
  }

  /**
   * A SaslHandshake on an authenticated session starts a re-authentication when the session has
   * an end and the last one started at least a second ago (Kafka's rule); otherwise it is answered
   * as out of place.
   */
  beginReauthentication(session: SecuritySession): boolean {
    const now = Date.now()
    if (session.expiresAtMs === undefined || session.reauthenticating || now - session.lastReauthStartMs < 1000) return false
    session.reauthenticating = true
    session.lastReauthStartMs = now
    return true
  }

  /** Runs one token through the session's exchange; success authenticates the session. */
  async step(session: SecuritySession, token: Buffer, remote: string): Promise<SaslStep> {
    const server = session.sasl!
    session.busy = true
    let step: SaslStep
    try {
      step = await server.evaluate(token)
    } finally {
      session.busy = false
    }
    if (step.kind === 'done') {
      const principal = `User:${step.user}`
      if (session.reauthenticating && principal !== session.principal) {
        step = { kind: 'failed', message: `Cannot change principals during re-authentication (from ${session.principal} to ${principal})` }
      } else {
        session.principal = principal
        session.authenticated = true
        session.mechanism = server.mechanism
        session.sasl = null
        session.rawTokens = false
        session.reauthenticating = false
        this.startSession(session, server.mechanism, step.expiresAtMs)
      }
    }
    if (step.kind === 'failed') {
      session.sasl = null
      // A failed login ends the connection; requests held during a re-authentication are dropped.
      session.closeAfterResponse = true
      session.reauthenticating = false
      // Kafka's one line per failed login (a warning, so that it shows at the default log level;
      // Kafka's INFO is shown by its default log4j config); the client gets the same message.
      // Many connections failing alike (password guessing in parallel) log one line per cause per
      // window and a summary, as the delay below slows each connection but not many at once.
      const cause = { listener: session.listener.name, mechanism: server.mechanism, ...(step.user === undefined ? {} : { user: step.user }), reason: step.message }
      this.failedLogins.warn(cause, { remote },
        `failed authentication with ${remote}: ${step.message}`)
      // Answering late slows password guessing (and the connection closes after the answer).
      await new Promise((resolve) => setTimeout(resolve, this.failedAuthDelayMs))
    }
    return step
  }
}
