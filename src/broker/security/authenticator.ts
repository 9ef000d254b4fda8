// Authentication on the request path: wraps the dispatcher's frame handler, so it sees every frame
// before any header is decoded. On a connection's first frame it opens the security session (TLS
// principal, listener demands). Until a SASL listener's client has authenticated, only ApiVersions,
// SaslHandshake and SaslAuthenticate pass; anything else closes the connection, as Kafka does.
// After SaslHandshake v0 the frames are bare SASL tokens (kafka-python, old clients), answered
// here with bare tokens. A refused handshake or login is answered, then the connection closes.
import type { TLSSocket } from 'node:tls'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { API_SPECS } from '../../protocol/generated/api-keys.ts'
import { RequestRejected } from '../api/dispatcher.ts'
import type { Connection, FrameHandler, FrameResult } from '../net/connection.ts'
import type { Security } from './security.ts'
import { SecuritySession, attachSession, sessionOf } from './session.ts'
import { UnmappedPrincipalError, tlsPrincipal } from './principal.ts'

const PRE_AUTH = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate])

function open(security: Security, conn: Connection): SecuritySession {
  const name = conn.attributes.get('listener') as string
  const listener = security.listener(name)
  if (!listener) throw new RequestRejected(`connection on unknown listener ${name}`)
  const session = new SecuritySession(listener)
  if (listener.tls) {
    const socket = conn.socket as TLSSocket
    // ssl.client.auth=requested: a certificate is optional, but one that is presented must verify.
    if (listener.tls.clientAuth === 'requested' && !socket.authorized && socket.getPeerX509Certificate() !== undefined) {
      throw new RequestRejected(`failed authentication: client certificate not trusted (${socket.authorizationError?.message ?? 'unverified'})`)
    }
    if (!listener.mechanisms.length) {
      try {
        session.principal = tlsPrincipal(socket, listener.principalMapper)
      } catch (err) {
        if (err instanceof UnmappedPrincipalError) throw new RequestRejected(`failed authentication: ${err.message}`)
        throw err
      }
    }
  }
  return attachSession(conn, session)
}

/** Writes a bare token frame (SaslHandshake v0 mode): int32 size, bytes. */
function rawFrame(bytes: Buffer): Buffer[] {
  const size = Buffer.allocUnsafe(4)
  size.writeInt32BE(bytes.length, 0)
  return [size, bytes]
}

async function rawToken(security: Security, session: SecuritySession, frame: Buffer, conn: Connection): Promise<FrameResult> {
  if (session.busy || session.sasl === null) throw new RequestRejected('unexpected SASL token while another is being evaluated')
  // Copied: the frame may be a view of a pooled socket read.
  const step = await security.step(session, Buffer.from(frame), conn.remote)
  if (step.kind === 'failed') {
    // No way to say why in this mode: Kafka closes the connection too.
    conn.close(`failed authentication: ${step.message}`, 'silent')
    return null
  }
  return rawFrame(step.bytes)
}

/** Ends the connection once `result` has been written (a refused handshake or login). */
function closeAfter(result: FrameResult, conn: Connection): FrameResult {
  if (result === null) {
    conn.end()
    return null
  }
  const written = result.onWritten
  result.onWritten = () => {
    written?.()
    conn.end()
  }
  return result
}

/**
 * A request that arrives while the session re-authenticates waits until that is over, as Kafka
 * serves nothing else on a connection meanwhile: then it is served as the principal that logged
 * in again, or not at all when the re-authentication failed (the connection closes). A
 * connection that reads one request at a time (a throttled client) could not read the
 * SaslAuthenticate behind it: it is closed, as Kafka closes a connection that sends another
 * request during a SASL exchange.
 */
async function afterReauthentication(inner: FrameHandler, security: Security, session: SecuritySession, frame: Buffer, conn: Connection): Promise<FrameResult> {
  if (conn.oneAtATime) {
    conn.close(`${API_SPECS[frame.readInt16BE(0)]?.name ?? 'a request'} during SASL re-authentication`, 'silent')
    return null
  }
  // Copied: the frame may be a view of a pooled socket read that is reused meanwhile.
  const copy = Buffer.from(frame)
  await session.reauthenticated()
  if (session.closeAfterResponse || conn.isClosed) return null
  return authenticated(inner, security, session, copy, conn)
}

/**
 * An authenticated session (KIP-368): a SaslHandshake may start a re-authentication, during which
 * other requests wait; once the login has ended, any other request closes the connection, as
 * Kafka's SocketServer does.
 */
function authenticated(inner: FrameHandler, security: Security, session: SecuritySession, frame: Buffer, conn: Connection): FrameResult | Promise<FrameResult> {
  const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1
  if (session.reauthenticating && !PRE_AUTH.has(apiKey)) return afterReauthentication(inner, security, session, frame, conn)
  if (apiKey === ApiKey.SaslHandshake) security.beginReauthentication(session)
  else if (!session.reauthenticating && session.expiresAtMs !== undefined && Date.now() > session.expiresAtMs) {
    conn.close(`the SASL session of ${session.principal} expired without re-authentication (connections.max.reauth.ms or the credential's expiry)`, 'silent')
    return null
  }
  const out = inner(frame, conn)
  if (apiKey !== ApiKey.SaslHandshake && apiKey !== ApiKey.SaslAuthenticate) return out
  const after = (result: FrameResult) => (session.closeAfterResponse ? closeAfter(result, conn) : result)
  return out instanceof Promise ? out.then(after) : after(out)
}

export function createAuthenticator(inner: FrameHandler, security: Security): FrameHandler {
  return (frame: Buffer, conn: Connection): FrameResult | Promise<FrameResult> => {
    const session = sessionOf(conn) ?? open(security, conn)
    if (session.rawTokens) return rawToken(security, session, frame, conn)
    if (session.authenticated) return authenticated(inner, security, session, frame, conn)
    if (frame.length > security.maxUnauthenticatedBytes) {
      throw new RequestRejected(`a ${frame.length}-byte request before authentication (sasl.server.max.receive.size is ${security.maxUnauthenticatedBytes})`)
    }
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1
    if (!PRE_AUTH.has(apiKey)) {
      throw new RequestRejected(`${API_SPECS[apiKey]?.name ?? `api key ${apiKey}`} before SASL authentication (only ApiVersions, SaslHandshake and SaslAuthenticate are accepted)`)
    }
    const out = inner(frame, conn)
    if (apiKey === ApiKey.ApiVersions) return out
    const after = (result: FrameResult) => (session.closeAfterResponse ? closeAfter(result, conn) : result)
    return out instanceof Promise ? out.then(after) : after(out)
  }
}
