// The principal of a TLS client: `User:` + the subject of its certificate as an RFC 2253
// distinguished name (most specific part first, e.g. `CN=alice,OU=eng,O=acme`), as Kafka's
// default principal builder gives with ssl.principal.mapping.rules=DEFAULT; other rules map that
// name (ssl-principal-mapper.ts). Without a verified certificate the principal is `User:ANONYMOUS`.
import type { TLSSocket } from 'node:tls'
import type { SslPrincipalMapper } from './ssl-principal-mapper.ts'

export const ANONYMOUS = 'User:ANONYMOUS'

const SPECIAL = /([,+"\\<>;])/g

/** node's subject text (one `type=value` per line, most significant first) as an RFC 2253 name. */
export function rfc2253(subject: string): string {
  return subject.split('\n').filter((l) => l !== '').reverse().map((line) => {
    const eq = line.indexOf('=')
    const value = line.slice(eq + 1).replace(SPECIAL, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ')
    return `${line.slice(0, eq)}=${value}`
  }).join(',')
}

export class UnmappedPrincipalError extends Error {}

/** The client's principal; throws UnmappedPrincipalError when no mapping rule applies to its DN. */
export function tlsPrincipal(socket: TLSSocket, mapper?: SslPrincipalMapper): string {
  if (!socket.authorized) return ANONYMOUS
  const cert = socket.getPeerX509Certificate()
  if (!cert) return ANONYMOUS
  const dn = rfc2253(cert.subject)
  if (!mapper) return `User:${dn}`
  const name = mapper.name(dn)
  if (name === undefined) throw new UnmappedPrincipalError(`no ssl.principal.mapping.rules rule applies to ${dn} (rules: ${mapper.toString()})`)
  return `User:${name}`
}
