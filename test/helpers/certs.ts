// Throw-away TLS material for security tests, made with openssl in a temporary directory (nothing
// secret is committed): a CA, a server certificate for localhost/127.0.0.1 (PEM key store, PEM key
// and chain apart, PKCS12 with a password), the CA as a PKCS12 trust store, a client certificate the
// CA signed (PEM and PKCS12), and one it did not.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeTempDir } from './temp-dir.ts'
import { requireTool } from './tools.ts'

export interface TestCerts {
  readonly dir: string
  /** CA certificate (PEM): the trust store of both sides. */
  readonly ca: string
  readonly serverKey: string
  readonly serverCert: string
  /** Key and certificate chain in one PEM file (ssl.keystore.type=PEM). */
  readonly serverKeystorePem: string
  /** PKCS12 key store protected by `p12Password`. */
  readonly serverP12: string
  readonly p12Password: string
  /** The CA certificate alone in a PKCS12 trust store protected by `p12Password`. */
  readonly caP12: string
  /** The client's key and certificate in a PKCS12 store protected by `p12Password`. */
  readonly clientP12: string
  readonly clientKey: string
  readonly clientCert: string
  /** The subject of the client certificate as Kafka prints it (RFC 2253). */
  readonly clientDn: string
  /** A client certificate from another CA. */
  readonly strangerKey: string
  readonly strangerCert: string
}

function openssl(args: string[], cwd: string): void {
  execFileSync(requireTool('openssl'), args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 })
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

function selfSignedCa(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir)
}

function signed(dir: string, name: string, subject: string, ca: string, ext: string): void {
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir)
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`,
    '-days', '2', '-extfile', `${name}.ext`], dir)
}

export function makeTestCerts(): TestCerts {
  const dir = makeTempDir('samsa-certs-')
  selfSignedCa(dir, 'ca', 'Samsa Test CA')
  selfSignedCa(dir, 'other-ca', 'Stranger CA')
  signed(dir, 'server', '/CN=localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  signed(dir, 'client', '/O=Samsa Tests/OU=eng/CN=alice', 'ca', 'extendedKeyUsage=clientAuth\n')
  signed(dir, 'stranger', '/CN=mallory', 'other-ca', 'extendedKeyUsage=clientAuth\n')
  const p = (f: string) => join(dir, f)
  writeFileSync(p('server-keystore.pem'), readFileSync(p('server.key'), 'utf8') + readFileSync(p('server.pem'), 'utf8'))
  const p12Password = 'p12-test-password'
  openssl(['pkcs12', '-export', '-inkey', 'server.key', '-in', 'server.pem', '-certfile', 'ca.pem', '-out', 'server.p12',
    '-passout', `pass:${p12Password}`], dir)
  openssl(['pkcs12', '-export', '-nokeys', '-in', 'ca.pem', '-out', 'ca.p12', '-passout', `pass:${p12Password}`], dir)
  openssl(['pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.pem', '-out', 'client.p12', '-passout', `pass:${p12Password}`], dir)
  return {
    dir,
    ca: p('ca.pem'),
    serverKey: p('server.key'),
    serverCert: p('server.pem'),
    serverKeystorePem: p('server-keystore.pem'),
    serverP12: p('server.p12'),
    p12Password,
    caP12: p('ca.p12'),
    clientP12: p('client.p12'),
    clientKey: p('client.key'),
    clientCert: p('client.pem'),
    clientDn: 'CN=alice,OU=eng,O=Samsa Tests',
    strangerKey: p('stranger.key'),
    strangerCert: p('stranger.pem'),
  }
}

export interface ReplacementCert {
  /** The CA that signed it (PEM): a client trusting only this one trusts only the new certificate. */
  readonly ca: string
  /** Key and certificate chain in one PEM file. */
  readonly keystorePem: string
  /** PKCS12 key store protected by `p12Password`. */
  readonly p12: string
  readonly p12Password: string
}

/**
 * A new server certificate from a new CA (for key store reload tests), in `certs.dir`: by default
 * with the same subject and names as the first one, else with subject `/CN=<cn>`; `usage` is its
 * extended key usage (a broker's certificate is also a client's: `serverAuth,clientAuth`).
 */
export function makeReplacementServerCert(certs: TestCerts, name: string, cn = 'localhost', usage = 'serverAuth'): ReplacementCert {
  const dir = certs.dir
  selfSignedCa(dir, `${name}-ca`, `Samsa Test CA ${name}`)
  signed(dir, name, `/CN=${cn}`, `${name}-ca`, `subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=${usage}\n`)
  const p = (f: string) => join(dir, f)
  writeFileSync(p(`${name}-keystore.pem`), readFileSync(p(`${name}.key`), 'utf8') + readFileSync(p(`${name}.pem`), 'utf8'))
  const p12Password = `${name}-p12-password`
  openssl(['pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.pem`, '-out', `${name}.p12`, '-passout', `pass:${p12Password}`], dir)
  return { ca: p(`${name}-ca.pem`), keystorePem: p(`${name}-keystore.pem`), p12: p(`${name}.p12`), p12Password }
}
