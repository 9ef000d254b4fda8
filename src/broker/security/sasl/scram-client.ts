// The initiating side of SCRAM-SHA-256/512 (RFC 5802 / 7677) for a broker logging in to another
// broker's SASL listener (inter-broker SASL): gs2 header without channel binding, the user name
// escaped, the password as given (NFKC), and the server signature verified at the end so a peer
// that does not hold the credential cannot pass for a broker of this cluster.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ScramMechanism } from './scram-formatter.ts'

const ALGORITHM: Readonly<Record<ScramMechanism, { hash: 'sha256' | 'sha512', length: number }>> = {
  'SCRAM-SHA-256': { hash: 'sha256', length: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', length: 64 },
}

export class ScramLogin {
  private readonly algo: { hash: 'sha256' | 'sha512', length: number }
  private readonly clientNonce = randomBytes(18).toString('base64')
  private readonly bare: string
  private auth = ''
  private serverKey: Buffer | undefined

  constructor(mechanism: ScramMechanism, user: string, private readonly password: string) {
    this.algo = ALGORITHM[mechanism]
    this.bare = `n=${user.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=${this.clientNonce}`
  }

  private mac(key: Buffer, data: string): Buffer {
    return createHmac(this.algo.hash, key).update(data, 'utf8').digest()
  }

  /** client-first-message */
  start(): Buffer {
    return Buffer.from(`n,,${this.bare}`, 'utf8')
  }

  /** client-final-message for the server-first-message `challenge`. */
  respond(challenge: Buffer): Buffer {
    const serverFirst = challenge.toString('utf8')
    const fields = new Map<string, string>()
    for (const part of serverFirst.split(',')) fields.set(part.charAt(0), part.slice(2))
    if (fields.has('e')) throw new Error(`SCRAM login refused: ${fields.get('e')}`)
    const nonce = fields.get('r') ?? ''
    const iterations = Number(fields.get('i'))
    if (!nonce.startsWith(this.clientNonce) || nonce.length <= this.clientNonce.length || !fields.get('s') || !(iterations >= 1)) {
      throw new Error('malformed SCRAM server-first message')
    }
    const salted = pbkdf2Sync(this.password.normalize('NFKC'), Buffer.from(fields.get('s')!, 'base64'), iterations, this.algo.length, this.algo.hash)
    const withoutProof = `c=biws,r=${nonce}`
    this.auth = `${this.bare},${serverFirst},${withoutProof}`
    const clientKey = this.mac(salted, 'Client Key')
    const signature = this.mac(createHash(this.algo.hash).update(clientKey).digest(), this.auth)
    this.serverKey = this.mac(salted, 'Server Key')
    return Buffer.from(`${withoutProof},p=${Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64')}`, 'utf8')
  }

  /** Checks the server-final-message; throws unless the server proved it knows the credential. */
  finish(outcome: Buffer): void {
    const text = outcome.toString('utf8')
    if (!this.serverKey || !text.startsWith('v=')) throw new Error(`SCRAM login refused: ${text.startsWith('e=') ? text.slice(2) : 'malformed server-final message'}`)
    const expected = this.mac(this.serverKey, this.auth)
    const got = Buffer.from(text.slice(2), 'base64')
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new Error('SCRAM server signature does not verify')
  }
}
