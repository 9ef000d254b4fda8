// One connection's security state, kept in the connection's attributes: the listener's demands,
// the principal, and the SASL exchange in progress. Created on the connection's first frame.
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

  constructor(readonly listener: ListenerSecurity) {
    this.authenticated = listener.mechanisms.length === 0
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
