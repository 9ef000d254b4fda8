// The client side of SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka clients speak
// it: no channel binding (`n,,`), the user name escaped (`=` → `=3D`, `,` → `=2C`), the password
// normalised (NFKC, a simplification of SASLprep), and the server's signature checked before the
// login counts — a broker that does not know the password cannot pass for one that does.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

interface Digest { readonly name: 'sha256' | 'sha512', readonly bytes: number }
const DIGESTS: Readonly<Record<ScramMechanismName, Digest>> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
}

const hmac = (d: Digest, key: Buffer, text: string): Buffer => createHmac(d.name, key).update(text).digest()

/** One SCRAM exchange: `first()`, then `final(serverFirst)`, then `verify(serverFinal)`. */
export class ScramClient {
  private readonly digest: Digest
  private readonly firstBare: string
  private authMessage = ''
  private salted: Buffer | null = null

  /** `nonce`: fixed only by tests (RFC test vectors); random otherwise. */
  constructor(mechanism: ScramMechanismName, username: string, private readonly password: string,
    private readonly nonce = randomBytes(24).toString('base64')) {
    this.digest = DIGESTS[mechanism]
    this.firstBare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`
  }

  first(): Buffer {
    return Buffer.from(`n,,${this.firstBare}`, 'utf8')
  }

  /** The client-final message, from the server-first message; throws when the server's message is not acceptable. */
  final(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString('utf8')
    const attrs = new Map(text.split(',').map((p) => [p.slice(0, 1), p.slice(2)]))
    const nonce = attrs.get('r')
    const salt = attrs.get('s')
    const iterations = Number(attrs.get('i'))
    if (attrs.has('e')) throw new Error(`the broker refused the login: ${attrs.get('e')}`)
    if (!nonce || !nonce.startsWith(this.nonce) || nonce === this.nonce) throw new Error('the broker\'s SCRAM nonce does not extend ours')
    if (!salt || !Number.isInteger(iterations) || iterations < 1) throw new Error(`bad SCRAM server-first message '${text}'`)
    const d = this.digest
    this.salted = pbkdf2Sync(Buffer.from(this.password.normalize('NFKC'), 'utf8'), Buffer.from(salt, 'base64'), iterations, d.bytes, d.name)
    const finalNoProof = `c=biws,r=${nonce}`
    this.authMessage = `${this.firstBare},${text},${finalNoProof}`
    const clientKey = hmac(d, this.salted, 'Client Key')
    const storedKey = createHash(d.name).update(clientKey).digest()
    const signature = hmac(d, storedKey, this.authMessage)
    const proof = Buffer.alloc(clientKey.length)
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!
    return Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`, 'utf8')
  }

  /** Checks the server-final message's signature; throws when it is wrong or an error. */
  verify(serverFinal: Buffer): void {
    const text = serverFinal.toString('utf8')
    if (text.startsWith('e=')) throw new Error(`the broker refused the login: ${text.slice(2)}`)
    if (!this.salted || !text.startsWith('v=')) throw new Error(`bad SCRAM server-final message '${text}'`)
    const expected = hmac(this.digest, hmac(this.digest, this.salted, 'Server Key'), this.authMessage)
    const got = Buffer.from(text.slice(2), 'base64')
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new Error('the broker\'s SCRAM signature is wrong: it does not know this user\'s credentials')
  }
}
