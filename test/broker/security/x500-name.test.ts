// A client certificate's subject as Kafka's principal: the text Java's X500Principal.getName()
// gives (RFC 2253), which ACLs and ssl.principal.mapping.rules are written against. The expected
// strings are Java's for these subjects: a comma or other special character escaped once,
// attributes without an RFC 2253 keyword (emailAddress, serialNumber) as `<oid>=#<DER hex>`, a
// multi-valued RDN joined with `+`, most specific RDN first.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { subjectRfc2253 } from '../../../src/broker/security/x500-name.ts'
import { makeTempDir } from '../../helpers/temp-dir.ts'
import { requireTool } from '../../helpers/tools.ts'

function certWithSubject(dir: string, name: string, subject: string, extra: string[] = []): X509Certificate {
  execFileSync(requireTool('openssl'), ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', subject, ...extra],
  { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 })
  return new X509Certificate(readFileSync(join(dir, `${name}.pem`)))
}

test('a certificate subject is the RFC 2253 name Java (and so Kafka) makes of it', () => {
  const dir = makeTempDir('samsa-x500-')
  const cases: Array<[string, string, string[]?]> = [
    ['/O=Example/OU=apps/CN=billing', 'CN=billing,OU=apps,O=Example'],
    // Written the other way round, the DN is reversed too (the last RDN is the most specific).
    ['/CN=billing/OU=apps/O=Example', 'O=Example,OU=apps,CN=billing'],
    // Special characters are escaped once; Java also escapes `=` and `#` anywhere.
    ['/C=US/O=Example\\, Inc./OU=a;b\\+c/CN=Smith <js> "x"=y#1', 'CN=Smith \\<js\\> \\"x\\"\\=y\\#1,OU=a\\;b\\+c,O=Example\\, Inc.,C=US'],
    // No RFC 2253 keyword: the OID and the value's DER in hex (IA5String here, PrintableString there).
    ['/O=Example/CN=svc-b/emailAddress=svc-b@example.com', '1.2.840.113549.1.9.1=#16117376632d62406578616d706c652e636f6d,CN=svc-b,O=Example'],
    ['/DC=com/DC=example/serialNumber=42/CN=bob', 'CN=bob,2.5.4.5=#13023432,DC=example,DC=com'],
    ['/O=Example/OU=eng+UID=u1/CN=carol', 'CN=carol,OU=eng+UID=u1,O=Example', ['-multivalue-rdn']],
    ['/O=Exämple/CN=zoë', 'CN=zoë,O=Exämple', ['-utf8']],
  ]
  cases.forEach(([subject, java, extra], i) => {
    assert.equal(subjectRfc2253(certWithSubject(dir, `c${i}`, subject, extra).raw), java, subject)
  })
})

test('a broken certificate is an error, not a wrong name', () => {
  assert.throws(() => subjectRfc2253(Buffer.from([0x30, 0x82, 0xff])), /DER/)
  assert.throws(() => subjectRfc2253(Buffer.from([0x30, 0x03, 0x30, 0x01, 0x02])))
})
