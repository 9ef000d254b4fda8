// SaslAuthenticate (key 36) v0-2: one SASL token of the mechanism chosen by SaslHandshake v1, and
// the server's token back. A failed login answers SASL_AUTHENTICATION_FAILED with Kafka's message
// after connection.failed.authentication.delay.ms, then the connection closes. Out of order
// (no handshake, or already authenticated) it is ILLEGAL_SASL_STATE. Success tells v1+ clients the
// session lifetime (KIP-368); a re-authentication that changes the principal or the mechanism fails.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate.ts'
import { sessionOf } from '../security/session.ts'
import { defineHandler } from './handler.ts'

const answer = (errorCode: number, errorMessage: string | null, authBytes: Buffer = Buffer.alloc(0), sessionLifetimeMs = 0): SaslAuthenticateResponse =>
  ({ errorCode, errorMessage, authBytes, sessionLifetimeMs: BigInt(sessionLifetimeMs) })

export const saslAuthenticateHandler = defineHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>({
  apiKey: ApiKey.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const session = sessionOf(ctx.connection)
    if (session?.reauthRefusal) {
      session.closeAfterResponse = true
      return answer(ErrorCode.SASL_AUTHENTICATION_FAILED, session.reauthRefusal)
    }
    const inExchange = session !== undefined && (!session.authenticated || session.reauthenticating)
    if (!session || !session.saslListener || !inExchange || session.sasl === null || session.rawTokens || session.busy) {
      if (session && session.saslListener && inExchange) session.closeAfterResponse = true
      return answer(ErrorCode.ILLEGAL_SASL_STATE, 'Unexpected SaslAuthenticate request: no SASL exchange is in progress (send SaslHandshake v1 first)')
    }
    // Copied: the request may be a view of a pooled socket read.
    const step = await ctx.broker.security.step(session, Buffer.from(request.authBytes), ctx.connection.remote)
    if (step.kind === 'failed') {
      session.closeAfterResponse = true
      return answer(ErrorCode.SASL_AUTHENTICATION_FAILED, step.message)
    }
    // v1+: how long the login lasts (KIP-368); the client re-authenticates before then.
    return answer(ErrorCode.NONE, null, step.bytes, step.kind === 'done' ? session.sessionLifetimeMs : 0)
  },
})
