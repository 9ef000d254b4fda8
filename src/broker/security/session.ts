// One connection's security state, kept in the connection's attributes: the listener's demands,
// the principal, the SASL exchange in progress, and the login's end and re-authentication state
// (KIP-368). Created on the connection's first frame.
import type { Connection } from '../net/connection.ts'
import type { ListenerSecurity } from './listener-security.ts'
import type { SaslServer } from './sasl/mechanism.ts'
import { ANONYMOUS } from './principal.ts'

const SESSION = 'security.session'

export class SecuritySession {
  /** `User:<name>`; `User:ANONYMOUS` until SASL or a client certificate says otherwise. */
  principal = ANONYMOUS
  /** False on a SASL listener until the exchange succeeded: only ApiVersions and SASL requests pass. */
  authenticated: boolean
  /** The mechanism chosen by SaslHandshake, while its exchange runs. */
  sasl: SaslServer | null = null
  /** After SaslHandshake v0: the next frames are bare SASL tokens, answered bare (no Kafka headers). */
  rawTokens = false
  /** A token is being evaluated (a second one at the same time is a protocol error). */
  busy = false
  /** Close the connection once the response being written has gone out (a refused handshake or login). */
  closeAfterResponse = false
  /** The mechanism the session authenticated with: a re-authentication must use it again (KIP-368). */
  mechanism: string | null = null
  /** When the login ends (ms since the epoch) unless the client re-authenticates; undefined: never. */
  expiresAtMs: number | undefined
  /** What SaslAuthenticate v1+ tells the client (0: no limit). */
  sessionLifetimeMs = 0
  private reauth = false
  private reauthWaiters: (() => void)[] = []
  lastReauthStartMs = 0
  /** Set when a re-authentication names another mechanism: the SaslAuthenticate that follows fails with it. */
  reauthRefusal: string | null = null

  constructor(readonly listener: ListenerSecurity) {
    this.authenticated = listener.mechanisms.length === 0
  }

  /** A re-authentication (SaslHandshake on an authenticated session) is under way. */
  get reauthenticating(): boolean {
    return this.reauth
  }

  set reauthenticating(v: boolean) {
    this.reauth = v
    if (v || this.reauthWaiters.length === 0) return
    const waiters = this.reauthWaiters
    this.reauthWaiters = []
    for (const w of waiters) w()
  }

  /** Resolves once no re-authentication is under way (it succeeded or failed). */
  reauthenticated(): Promise<void> {
    return this.reauth ? new Promise((resolve) => this.reauthWaiters.push(resolve)) : Promise.resolve()
  }

  get saslListener(): boolean {
    return this.listener.mechanisms.length > 0
  }
}

export function sessionOf(conn: Connection): SecuritySession | undefined {
  return conn.attributes.get(SESSION) as SecuritySession | undefined
}

export function attachSession(conn: Connection, session: SecuritySession): SecuritySession {
  conn.attributes.set(SESSION, session)
  return session
}
