// SaslAuthenticate (key 36) v0-2: one SASL token of the mechanism chosen by SaslHandshake v1, and
// the server's token back. A failed login answers SASL_AUTHENTICATION_FAILED with Kafka's message
// after connection.failed.authentication.delay.ms, then the connection closes. Out of order
// (no handshake, or already authenticated) it is ILLEGAL_SASL_STATE.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate.ts'
import { sessionOf } from '../security/session.ts'
import { defineHandler } from './handler.ts'

const answer = (errorCode: number, errorMessage: string | null, authBytes: Buffer = Buffer.alloc(0)): SaslAuthenticateResponse =>
  ({ errorCode, errorMessage, authBytes, sessionLifetimeMs: 0n })

export const saslAuthenticateHandler = defineHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>({
  apiKey: ApiKey.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const session = sessionOf(ctx.connection)
    if (!session || !session.saslListener || session.authenticated || session.sasl === null || session.rawTokens || session.busy) {
      if (session && session.saslListener && !session.authenticated) session.closeAfterResponse = true
      return answer(ErrorCode.ILLEGAL_SASL_STATE, 'Unexpected SaslAuthenticate request: no SASL exchange is in progress (send SaslHandshake v1 first)')
    }
    // Copied: the request may be a view of a pooled socket read.
    const step = await ctx.broker.security.step(session, Buffer.from(request.authBytes), ctx.connection.remote)
    if (step.kind === 'failed') {
      session.closeAfterResponse = true
      return answer(ErrorCode.SASL_AUTHENTICATION_FAILED, step.message)
    }
    return answer(ErrorCode.NONE, null, step.bytes)
  },
})
