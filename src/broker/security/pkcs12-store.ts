// The certificates inside a PKCS12 store (RFC 7292), for what node:tls cannot read from one:
// a trust store of certificates only (Kafka's ssl.truststore.type=PKCS12; node's `pfx` wants a
// private key), and the key store's own certificate (the DN/SAN check of a certificate reload).
// node-forge opens the container (MAC, PBES2/PBES1 decryption); each certificate is then handed to
// node:crypto as DER, so certificates forge cannot decode itself (EC keys) are read too.
import { X509Certificate } from 'node:crypto'
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

/** Opens a PKCS12 store; throws an Error saying why it cannot be read (a wrong password among them). */
export function readPkcs12(bytes: Uint8Array, password: string): Pkcs12Certificates {
  const forge = forgeModule()
  let p12: Forge.pkcs12.Pkcs12Pfx
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary'))), true, password)
  } catch (err) {
    const message = (err as Error).message
    throw new Error(/MAC could not be verified|Invalid password/i.test(message)
      ? 'the password does not open this PKCS12 store (its integrity check failed)'
      : `not a readable PKCS12 store: ${message}`)
  }
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ]
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
