// The principal of a TLS client: `User:` + the subject of its certificate as an RFC 2253
// distinguished name (most specific part first, e.g. `CN=alice,OU=eng,O=acme`), as Kafka's
// default principal builder gives with ssl.principal.mapping.rules=DEFAULT. Without a verified
// certificate the principal is `User:ANONYMOUS`.
import type { TLSSocket } from 'node:tls'

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

export function tlsPrincipal(socket: TLSSocket): string {
  if (!socket.authorized) return ANONYMOUS
  const cert = socket.getPeerX509Certificate()
  return cert ? `User:${rfc2253(cert.subject)}` : ANONYMOUS
}
