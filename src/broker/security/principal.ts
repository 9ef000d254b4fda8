// The principal of a TLS client: `User:` + the subject of its certificate as an RFC 2253
// distinguished name (most specific part first, e.g. `CN=alice,OU=eng,O=acme`; x500-name.ts), as
// Kafka's default principal builder gives with ssl.principal.mapping.rules=DEFAULT; other rules map that
// name (ssl-principal-mapper.ts). Without a verified certificate the principal is `User:ANONYMOUS`.
import type { TLSSocket } from 'node:tls'
import type { SslPrincipalMapper } from './ssl-principal-mapper.ts'
import { subjectRfc2253 } from './x500-name.ts'

export const ANONYMOUS = 'User:ANONYMOUS'

export class UnmappedPrincipalError extends Error {}

/** The client's principal; throws UnmappedPrincipalError when no mapping rule applies to its DN. */
export function tlsPrincipal(socket: TLSSocket, mapper?: SslPrincipalMapper): string {
  if (!socket.authorized) return ANONYMOUS
  const cert = socket.getPeerX509Certificate()
  if (!cert) return ANONYMOUS
  let dn: string
  try {
    dn = subjectRfc2253(cert.raw)
  } catch (err) {
    throw new UnmappedPrincipalError(`cannot read the certificate's subject: ${(err as Error).message}`)
  }
  if (!mapper) return `User:${dn}`
  const name = mapper.name(dn)
  if (name === undefined) throw new UnmappedPrincipalError(`no ssl.principal.mapping.rules rule applies to ${dn} (rules: ${mapper.toString()})`)
  return `User:${name}`
}
