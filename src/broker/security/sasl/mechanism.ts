// The server side of one SASL mechanism exchange. Tokens go in (SaslAuthenticate auth bytes, or
// raw frames after SaslHandshake v0), each step answers with a challenge, success, or failure.
// A failure carries the message the client gets with SASL_AUTHENTICATION_FAILED. Success may say
// until when the credential is good (a token's exp), which bounds a re-authenticating session.

export type SaslStep =
  | { readonly kind: 'challenge', readonly bytes: Buffer }
  | { readonly kind: 'done', readonly bytes: Buffer, readonly user: string, readonly expiresAtMs?: number }
  | { readonly kind: 'failed', readonly message: string, readonly user?: string }

export interface SaslServer {
  readonly mechanism: string
  evaluate(token: Buffer): SaslStep | Promise<SaslStep>
}

/** A failure; `user`: the name the client tried, when the mechanism got that far (for the log). */
export const failed = (message: string, user?: string): SaslStep => (user === undefined ? { kind: 'failed', message } : { kind: 'failed', message, user })
