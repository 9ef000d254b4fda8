// A certificate's subject as the RFC 2253 text Java's X500Principal.getName() gives, which is the
// principal Kafka's default principal builder makes for a TLS client and what ACLs and
// ssl.principal.mapping.rules are written against. Read from the DER itself: node's `subject`
// text is already escaped by OpenSSL and names attributes RFC 2253 has no keyword for
// (emailAddress, serialNumber, ...), which Java writes as `<oid>=#<hex of the DER value>`.

interface Tlv { tag: number, start: number, end: number, next: number }

function tlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER')
  const tag = der[at]
  let len = der[at + 1]
  let start = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4 || start + n > limit) throw new Error('bad DER length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]
    start += n
  }
  const end = start + len
  if (end > limit) throw new Error('truncated DER')
  return { tag, start, end, next: end }
}

function children(der: Uint8Array, node: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = node.start; at < node.end;) {
    const child = tlv(der, at, node.end)
    out.push(child)
    at = child.next
  }
  return out
}

function oidText(bytes: Uint8Array): string {
  const parts: number[] = []
  let value = 0
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f)
    if ((b & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
      else parts.push(value)
      value = 0
    }
  }
  return parts.join('.')
}

// The only keywords Java emits in RFC 2253 form; every other attribute type is written as its OID.
const KEYWORDS: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET', '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
}
// PrintableString, T61String, IA5String, GeneralString, BMPString, UTF8String: written as text.
const STRING_TAGS = new Set([0x13, 0x14, 0x16, 0x1b, 0x1e, 0x0c])
const ESCAPED = ',=+<>#;"\\'

function valueText(text: string): string {
  let out = ''
  for (const c of text) out += c === '\u0000' ? '\\00' : ESCAPED.includes(c) ? `\\${c}` : c
  // Leading and trailing spaces (and CRs) are escaped one by one.
  const lead = /^[ \r]*/.exec(out)![0].length
  if (lead === out.length) return out.replace(/[ \r]/g, '\\$&')
  const trail = /[ \r]*$/.exec(out)![0].length
  return out.slice(0, lead).replace(/[ \r]/g, '\\$&') + out.slice(lead, out.length - trail) +
    out.slice(out.length - trail).replace(/[ \r]/g, '\\$&')
}

function attribute(der: Uint8Array, ava: Tlv): string {
  const [type, value] = children(der, ava)
  if (type?.tag !== 0x06 || value === undefined) throw new Error('bad AttributeTypeAndValue')
  const oid = oidText(der.subarray(type.start, type.end))
  const keyword = KEYWORDS[oid]
  if (keyword === undefined || !STRING_TAGS.has(value.tag)) {
    return `${keyword ?? oid}=#${Buffer.from(der.subarray(type.next, value.end)).toString('hex')}`
  }
  return `${keyword}=${valueText(Buffer.from(der.subarray(value.start, value.end)).toString('utf8'))}`
}

/** The subject of a DER certificate as RFC 2253 text, most specific part first (Java's form). */
export function subjectRfc2253(certificate: Uint8Array): string {
  const cert = tlv(certificate, 0, certificate.length)
  const [tbs] = children(certificate, cert)
  if (tbs === undefined) throw new Error('bad certificate')
  const fields = children(certificate, tbs)
  const first = fields[0]?.tag === 0xa0 ? 1 : 0 // [0] version is optional
  const subject = fields[first + 4] // serial, signature, issuer, validity, subject
  if (subject?.tag !== 0x30) throw new Error('certificate has no subject')
  return children(certificate, subject).reverse()
    .map((rdn) => children(certificate, rdn).map((ava) => attribute(certificate, ava)).join('+'))
    .join(',')
}
