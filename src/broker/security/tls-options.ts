// A TLS listener's node:tls server options from Kafka's ssl.* configs (each may be overridden per
// listener with `listener.name.<listener>.`). Key stores: PEM (a file holding the private key and
// its certificate chain, or KIP-651's inline ssl.keystore.key + ssl.keystore.certificate.chain)
// and PKCS12; trust stores: PEM (file or inline ssl.truststore.certificates) and PKCS12 (its
// certificates, read by pkcs12-store.ts: node's pfx wants a key). JKS is Java's own
// format: refused with the conversion to use. Kafka's default type is JKS, which Java (9 and later)
// also opens PKCS12 files with: a PKCS12 file under type JKS is read as PKCS12, as Kafka would.
// Problems are ConfigErrors naming the key, raised at start before anything is bound.
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import type { SecureVersion, TlsOptions } from 'node:tls'
import { ConfigError } from '../config/config-error.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import { listenerKeyId } from '../config/listener-prefix.ts'
import { pkcs12KeyStoreAsPem, readPkcs12 } from './pkcs12-store.ts'

export type ClientAuth = 'none' | 'requested' | 'required'

export interface ListenerTls {
  readonly options: TlsOptions
  readonly clientAuth: ClientAuth
}

const KEY_BLOCK = /-----BEGIN (?:ENCRYPTED |RSA |EC |DSA )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC |DSA )?PRIVATE KEY-----/g
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

const VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']

/** A PEM value as Kafka accepts it inline: `\n` may be written as spaces in a .properties line. */
function pemText(text: string): string {
  return text.replace(/-----(BEGIN|END) ([A-Z ]+)-----/g, '\n-----$1 $2-----\n')
    .split('\n').flatMap((line) => (line.startsWith('-----') ? [line] : line.split(/\s+/))).filter((line) => line !== '').join('\n') + '\n'
}

function refuseJks(key: string, type: string, bytes?: Buffer): never {
  const pem = bytes !== undefined && bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN ')
  throw new ConfigError(key, pem
    ? `store type ${type}: the file holds PEM, so set ${key}=PEM`
    : `store type ${type} is not supported: Samsa reads PEM and PKCS12 stores (JKS is Java's own format). ` +
      'Convert with: keytool -importkeystore -srckeystore store.jks -destkeystore store.p12 -deststoretype PKCS12')
}

/**
 * A store file of type PKCS12, or of type JKS (Kafka's default) holding PKCS12 — a DER SEQUENCE,
 * where a JKS or JCEKS file starts with its magic number — which Java reads as PKCS12 too.
 */
function pkcs12Bytes(typeKey: string, type: string, locationKey: string, location: string): Buffer {
  if (type !== 'PKCS12' && type !== 'JKS') refuseJks(typeKey, type)
  const bytes = readStore(locationKey, location)
  if (type === 'JKS' && bytes[0] !== 0x30) refuseJks(typeKey, type, bytes)
  return bytes
}

function readStore(key: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${(err as Error).message}`)
  }
}

/**
 * A PKCS12 key store with legacy encryption (RC2-40/3DES, as OpenSSL 1.1 and older keytools write
 * them) is refused by node's OpenSSL 3 ("Unsupported PKCS12 PFX data"); Java opens it, so it is
 * read here and handed to node:tls as PEM instead. Other failures are left to the final check.
 */
function legacyPkcs12AsPem(options: TlsOptions): void {
  try {
    createSecureContext({ pfx: options.pfx, passphrase: options.passphrase })
  } catch (err) {
    if (!/Unsupported PKCS12/i.test((err as Error).message)) return
    let pem: { key: string, cert: string }
    try {
      pem = pkcs12KeyStoreAsPem(options.pfx as Buffer, options.passphrase ?? '')
    } catch {
      return // the final check reports node's own error
    }
    delete options.pfx
    delete options.passphrase
    options.key = pem.key
    options.cert = pem.cert
  }
}

/**
 * A PKCS12 trust store's certificates as PEM. As in Kafka, ssl.truststore.password may be left out;
 * the store must then open with an empty password (a store written with one cannot be read without it).
 */
function pkcs12TrustStore(name: (key: string) => string, bytes: Buffer, password: string | undefined): string[] {
  let certs
  try {
    certs = readPkcs12(bytes, password ?? '').certificates
  } catch (err) {
    throw new ConfigError(name(password === undefined ? 'ssl.truststore.location' : 'ssl.truststore.password'),
      `${(err as Error).message}${password === undefined ? ' (ssl.truststore.password is not set)' : ''}`)
  }
  if (certs.length === 0) throw new ConfigError(name('ssl.truststore.location'), 'the PKCS12 trust store holds no certificate')
  return certs.map((c) => c.toString())
}

/** Protocol versions as node:tls bounds (a gap in the list is not expressible and is filled). */
function versionRange(key: string, enabled: readonly string[]): { minVersion: SecureVersion, maxVersion: SecureVersion } {
  const known = enabled.filter((p): p is SecureVersion => (VERSIONS as readonly string[]).includes(p))
  if (known.length === 0) throw new ConfigError(key, `"${enabled.join(',')}" names no protocol Samsa knows (${VERSIONS.join(', ')})`)
  const idx = known.map((p) => VERSIONS.indexOf(p)).sort()
  return { minVersion: VERSIONS[idx[0]], maxVersion: VERSIONS[idx[idx.length - 1]] }
}

export function listenerTls(config: BrokerConfig, listener: string): ListenerTls {
  const get = (key: string) => config.forListener(listener, key)
  const str = (key: string) => {
    const v = get(key)
    return typeof v === 'string' && v !== '' ? v : undefined
  }
  const name = (key: string) => (config.forListener(listener, key) === config.get(key) ? key : listenerKeyId(listener, key))
  const options: TlsOptions = {}
  const keystoreType = (str('ssl.keystore.type') ?? 'JKS').toUpperCase()
  const location = str('ssl.keystore.location')
  const inlineKey = str('ssl.keystore.key')
  const inlineChain = str('ssl.keystore.certificate.chain')
  const keyPassword = str('ssl.key.password')
  if (inlineKey !== undefined || inlineChain !== undefined) {
    if (inlineKey === undefined || inlineChain === undefined) {
      throw new ConfigError(name(inlineKey === undefined ? 'ssl.keystore.key' : 'ssl.keystore.certificate.chain'),
        'ssl.keystore.key and ssl.keystore.certificate.chain are set together (KIP-651)')
    }
    if (keystoreType !== 'PEM') throw new ConfigError(name('ssl.keystore.type'), `inline keys need ssl.keystore.type=PEM, not ${keystoreType}`)
    options.key = pemText(inlineKey)
    options.cert = pemText(inlineChain)
    options.passphrase = keyPassword
  } else if (location !== undefined) {
    if (keystoreType === 'PEM') {
      const text = readStore(name('ssl.keystore.location'), location).toString('utf8')
      const keys = text.match(KEY_BLOCK)
      const certs = text.match(CERT_BLOCK)
      if (!keys || !certs) throw new ConfigError(name('ssl.keystore.location'), `${location} must hold a PEM private key and its certificate chain`)
      options.key = keys[0]
      options.cert = certs.join('\n')
      options.passphrase = keyPassword ?? str('ssl.keystore.password')
    } else {
      options.pfx = pkcs12Bytes(name('ssl.keystore.type'), keystoreType, name('ssl.keystore.location'), location)
      options.passphrase = str('ssl.keystore.password') ?? ''
      legacyPkcs12AsPem(options)
    }
  } else {
    throw new ConfigError(name('ssl.keystore.location'), `listener ${listener} uses TLS: set ssl.keystore.location (PEM or PKCS12) ` +
      'or ssl.keystore.key with ssl.keystore.certificate.chain, for example with the listener.name.' + listener.toLowerCase() + '. prefix')
  }
  const trustType = (str('ssl.truststore.type') ?? 'JKS').toUpperCase()
  const trustInline = str('ssl.truststore.certificates')
  const trustLocation = str('ssl.truststore.location')
  if (trustInline !== undefined) {
    if (trustType !== 'PEM') throw new ConfigError(name('ssl.truststore.type'), `inline trust certificates need ssl.truststore.type=PEM, not ${trustType}`)
    options.ca = pemText(trustInline)
  } else if (trustLocation !== undefined) {
    if (trustType === 'PEM') options.ca = readStore(name('ssl.truststore.location'), trustLocation).toString('utf8')
    else {
      const bytes = pkcs12Bytes(name('ssl.truststore.type'), trustType, name('ssl.truststore.location'), trustLocation)
      options.ca = pkcs12TrustStore(name, bytes, str('ssl.truststore.password'))
    }
  }
  const clientAuth = (str('ssl.client.auth') ?? 'none') as ClientAuth
  if (clientAuth !== 'none') {
    options.requestCert = true
    // `requested`: a certificate that is presented must still verify (checked once the handshake is done).
    options.rejectUnauthorized = clientAuth === 'required'
    if (options.ca === undefined) {
      throw new ConfigError(name('ssl.truststore.location'), `ssl.client.auth=${clientAuth} on listener ${listener} needs a trust store ` +
        '(ssl.truststore.location or ssl.truststore.certificates) to verify client certificates')
    }
  }
  Object.assign(options, versionRange(name('ssl.enabled.protocols'), (get('ssl.enabled.protocols') as readonly string[] | null) ?? []))
  const ciphers = (get('ssl.cipher.suites') as readonly string[] | null) ?? []
  if (ciphers.length > 0) options.ciphers = ciphers.join(':')
  try {
    // Wrong passwords, keys that do not match the certificate, unknown ciphers: one clear error now.
    createSecureContext(options)
  } catch (err) {
    const key = options.pfx ? 'ssl.keystore.password' : ciphers.length > 0 && /cipher/i.test((err as Error).message) ? 'ssl.cipher.suites' : 'ssl.keystore.location'
    throw new ConfigError(name(key), `listener ${listener}: the TLS key store cannot be used: ${(err as Error).message}`)
  }
  return { options, clientAuth }
}
