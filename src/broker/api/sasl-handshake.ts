// SaslHandshake (key 17) v0-1: the client names a mechanism; the answer lists the listener's
// enabled mechanisms. v1 is followed by SaslAuthenticate requests; v0 by bare SASL tokens (the
// authenticator takes those). Outside an unauthenticated SASL connection the request is in the
// wrong state (ILLEGAL_SASL_STATE, as Kafka answers on other listeners); an unknown mechanism gets
// UNSUPPORTED_SASL_MECHANISM and the connection closes after the answer. On an authenticated
// session whose login has an end it starts a re-authentication (KIP-368), with the same mechanism.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake.ts'
import { sessionOf } from '../security/session.ts'
import { defineHandler } from './handler.ts'

export const saslHandshakeHandler = defineHandler<SaslHandshakeRequest, SaslHandshakeResponse>({
  apiKey: ApiKey.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request, version) {
    const session = sessionOf(ctx.connection)
    const mechanisms = session ? [...session.listener.mechanisms] : []
    // On an authenticated session the authenticator has marked a re-authentication (KIP-368) it allows.
    if (!session || !session.saslListener || (session.authenticated && !session.reauthenticating) || session.sasl !== null) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms }
    }
    if (!ctx.broker.security.begin(session, request.mechanism)) {
      session.closeAfterResponse = true
      ctx.log.info({ remote: ctx.connection.remote }, `failed authentication with ${ctx.connection.remote}: unsupported SASL mechanism ${request.mechanism}`)
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms }
    }
    session.rawTokens = version === 0
    return { errorCode: ErrorCode.NONE, mechanisms }
  },
})
