// SASL authentication after ApiVersions: SaslHandshake v1 names the mechanism, then
// SaslAuthenticate carries the mechanism's tokens (KIP-152). PLAIN only for now.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake.ts'
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate.ts'
import { ClientConfigError, KafkaError } from '../errors.ts'
import type { Connection } from './connection.ts'

export interface SaslOptions {
  mechanism: 'PLAIN'
  username: string
  password: string
}

export async function authenticate(conn: Connection, sasl: SaslOptions): Promise<void> {
  if (sasl.mechanism !== 'PLAIN') throw new ClientConfigError(`SASL mechanism ${String(sasl.mechanism)} is not supported (PLAIN is)`)
  const hs = await conn.request<SaslHandshakeResponse>(ApiKey.SaslHandshake, { mechanism: sasl.mechanism }, { version: 1 })
  if (hs.errorCode !== 0) throw new KafkaError(hs.errorCode, { api: 'SaslHandshake', message: `mechanisms offered: ${hs.mechanisms.join(', ')}` })
  const token = Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8')
  const res = await conn.request<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, { authBytes: token })
  if (res.errorCode !== 0) throw new KafkaError(res.errorCode, { api: 'SaslAuthenticate', message: res.errorMessage })
}
