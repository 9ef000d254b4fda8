// The certificates inside a PKCS12 store (RFC 7292), for what node:tls cannot read from one:
// a trust store of certificates only (Kafka's ssl.truststore.type=PKCS12; node's `pfx` wants a
// private key), the key store's own certificate (the DN/SAN check of a certificate reload), and a
// whole key store encrypted with the legacy algorithms (RC2-40, 3DES: OpenSSL 1.1's and older
// keytools' default) that node's OpenSSL 3 no longer opens but Java, and so Kafka, still does.
// node-forge opens the container (MAC, PBES2/PBES1 decryption); each certificate is then handed to
// node:crypto as DER, so certificates forge cannot decode itself (EC keys) are read too.
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { createRequire } from 'node:module'
import type Forge from 'node-forge'

// Loaded on first use: most brokers never read a PKCS12 store, and forge is a large module.
let loaded: typeof Forge | undefined
function forgeModule(): typeof Forge {
  loaded ??= createRequire(import.meta.url)('node-forge') as typeof Forge
  return loaded
}

export interface Pkcs12Certificates {
  /** Every certificate in the store, in store order. */
  readonly certificates: readonly X509Certificate[]
  /** The certificate paired with the store's private key (same localKeyId), if it has one. */
  readonly keyCertificate?: X509Certificate
}

function der(forge: typeof Forge, bag: Forge.pkcs12.Bag): Buffer {
  // forge keeps the ASN.1 only of certificates it cannot decode; re-encode the others.
  const node = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary')
}

function open(forge: typeof Forge, bytes: Uint8Array, password: string): Forge.pkcs12.Pkcs12Pfx {
  try {
    return forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary'))), true, password)
  } catch (err) {
    const message = (err as Error).message
    throw new Error(/MAC could not be verified|Invalid password/i.test(message)
      ? 'the password does not open this PKCS12 store (its integrity check failed)'
      : `not a readable PKCS12 store: ${message}`)
  }
}

function keyBagsOf(forge: typeof Forge, p12: Forge.pkcs12.Pkcs12Pfx): Forge.pkcs12.Bag[] {
  return [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ]
}

/** Opens a PKCS12 store; throws an Error saying why it cannot be read (a wrong password among them). */
export function readPkcs12(bytes: Uint8Array, password: string): Pkcs12Certificates {
  const forge = forgeModule()
  const p12 = open(forge, bytes, password)
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []
  const keyBags = keyBagsOf(forge, p12)
  const keyIds = new Set(keyBags.flatMap((b) => (b.attributes.localKeyId ?? []) as string[]))
  const certificates: X509Certificate[] = []
  let keyCertificate: X509Certificate | undefined
  for (const bag of certBags) {
    const cert = new X509Certificate(der(forge, bag))
    certificates.push(cert)
    const ids = (bag.attributes.localKeyId ?? []) as string[]
    if (keyCertificate === undefined && ids.some((id) => keyIds.has(id))) keyCertificate = cert
  }
  // A store with one key and no localKeyId attributes: the first certificate is the key's (as keytool and openssl write them).
  if (keyCertificate === undefined && keyBags.length > 0) keyCertificate = certificates[0]
  return { certificates, ...(keyCertificate ? { keyCertificate } : {}) }
}

/**
 * A PKCS12 key store as PEM for node:tls: the private key (PKCS8) and the certificate chain, the
 * key's own certificate first. For stores node's `pfx` cannot open (legacy encryption).
 */
export function pkcs12KeyStoreAsPem(bytes: Uint8Array, password: string): { key: string, cert: string } {
  const forge = forgeModule()
  const keyBag = keyBagsOf(forge, open(forge, bytes, password))[0]
  if (keyBag === undefined) throw new Error('the PKCS12 key store holds no private key')
  // forge decodes RSA keys; it keeps the decrypted PrivateKeyInfo of the others (EC) as ASN.1.
  const info = keyBag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key)) : keyBag.asn1
  const key = createPrivateKey({ key: Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'), format: 'der', type: 'pkcs8' })
  const { certificates, keyCertificate } = readPkcs12(bytes, password)
  const chain = keyCertificate ? [keyCertificate, ...certificates.filter((c) => c !== keyCertificate)] : certificates
  return { key: key.export({ format: 'pem', type: 'pkcs8' }) as string, cert: chain.map((c) => c.toString()).join('') }
}
