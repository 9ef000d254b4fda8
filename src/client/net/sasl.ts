// SASL authentication after ApiVersions: SaslHandshake v1 names the mechanism, then
// SaslAuthenticate carries the mechanism's tokens (KIP-152). PLAIN, SCRAM-SHA-256/512
// (sasl-scram.ts) and OAUTHBEARER (RFC 7628: the token from the caller's provider, called for
// every new connection so a refreshed token is used).
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake.ts'
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate.ts'
import { ClientConfigError, ConnectionError, KafkaError } from '../errors.ts'
import type { Connection } from './connection.ts'
import { ScramClient } from './sasl-scram.ts'
import type { ScramMechanismName } from './sasl-scram.ts'

/** An OAUTHBEARER token, with optional SASL extensions (KIP-342). */
export interface OAuthBearerToken {
  value: string
  extensions?: Record<string, string>
}

export type SaslOptions =
  | { mechanism: 'PLAIN', username: string, password: string }
  | { mechanism: ScramMechanismName, username: string, password: string }
  | { mechanism: 'OAUTHBEARER', token: () => string | OAuthBearerToken | Promise<string | OAuthBearerToken> }

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const

async function step(conn: Connection, bytes: Buffer): Promise<Buffer> {
  const res = await conn.request<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, { authBytes: bytes })
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { api: 'SaslAuthenticate', message: res.errorMessage })
  return res.authBytes
}

async function oauthMessage(sasl: Extract<SaslOptions, { mechanism: 'OAUTHBEARER' }>): Promise<Buffer> {
  const t = await sasl.token()
  const token = typeof t === 'string' ? { value: t } : t
  const ext = Object.entries(token.extensions ?? {}).map(([k, v]) => `${k}=${v}\u0001`).join('')
  return Buffer.from(`n,,\u0001auth=Bearer ${token.value}\u0001${ext}\u0001`, 'utf8')
}

export async function authenticate(conn: Connection, sasl: SaslOptions): Promise<void> {
  if (!(SASL_MECHANISMS as readonly string[]).includes(sasl.mechanism)) {
    throw new ClientConfigError(`SASL mechanism ${String(sasl.mechanism)} is not supported (${SASL_MECHANISMS.join(', ')} are)`)
  }
  const hs = await conn.request<SaslHandshakeResponse>(ApiKey.SaslHandshake, { mechanism: sasl.mechanism }, { version: 1 })
  if (hs.errorCode !== 0) throw new KafkaError(hs.errorCode, { api: 'SaslHandshake', message: `mechanisms offered: ${hs.mechanisms.join(', ')}` })
  switch (sasl.mechanism) {
    case 'PLAIN':
      await step(conn, Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'))
      return
    case 'OAUTHBEARER':
      await step(conn, await oauthMessage(sasl))
      return
    default: {
      const scram = new ScramClient(sasl.mechanism, sasl.username, sasl.password)
      try {
        scram.verify(await step(conn, scram.final(await step(conn, scram.first()))))
      } catch (err) {
        if (err instanceof KafkaError) throw err
        throw new ConnectionError(`${conn.address}: ${(err as Error).message}`, { cause: err })
      }
    }
  }
}
