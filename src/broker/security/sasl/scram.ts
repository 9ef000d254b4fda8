// The server side of SCRAM-SHA-256/512 (RFC 5802, RFC 7677), two round trips:
//   client-first  `n,,n=<user>,r=<client nonce>`      -> server-first `r=<nonce>,s=<salt>,i=<iterations>`
//   client-final  `c=biws,r=<nonce>,p=<proof>`        -> server-final `v=<server signature>`
// No channel binding (Kafka offers none: `n` or `y` GS2 flags only). An unknown user gets a
// made-up salt so the exchange looks the same and fails only at the proof, as with a wrong password.
import { randomBytes, timingSafeEqual, createHmac } from 'node:crypto'
import { failed } from './mechanism.ts'
import type { SaslServer, SaslStep } from './mechanism.ts'
import { MIN_ITERATIONS, hash, hmac, xor } from './scram-formatter.ts'
import type { ScramCredential, ScramMechanism } from './scram-formatter.ts'

export type CredentialLookup = (user: string, mechanism: ScramMechanism) => Promise<ScramCredential | undefined>

/** Per-process key for the fake salts of unknown users (stable per user, so repeated tries agree). */
const FAKE_SALT_KEY = randomBytes(32)

/** RFC 5802 attribute list `a=..,b=..` (values may contain `=`; the first `=` separates). */
function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of text.split(',')) {
    if (part.length < 2 || part[1] !== '=') throw new Error(`invalid SCRAM attribute "${part}"`)
    out.set(part[0], part.slice(2))
  }
  return out
}

/** saslname: `=2C` is `,` and `=3D` is `=`; any other `=` is malformed. */
function unescapeName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new Error('invalid escape in SCRAM user name')
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=')
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/

export class ScramServer implements SaslServer {
  private state: 'first' | 'final' | 'done' = 'first'
  private user = ''
  private gs2Header = ''
  private clientFirstBare = ''
  private serverFirst = ''
  private nonce = ''
  private credential: ScramCredential | undefined
  private fake: ScramCredential | undefined

  constructor(readonly mechanism: ScramMechanism, private readonly lookup: CredentialLookup) {}

  private invalid(): SaslStep {
    this.state = 'done'
    return failed(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`, this.user)
  }

  async evaluate(token: Buffer): Promise<SaslStep> {
    try {
      if (this.state === 'first') return await this.first(token.toString('utf8'))
      if (this.state === 'final') return this.final(token.toString('utf8'))
      return failed('Unexpected SASL token after the SCRAM exchange completed')
    } catch (err) {
      this.state = 'done'
      return failed(`Invalid SCRAM message: ${(err as Error).message}`)
    }
  }

  private async first(text: string): Promise<SaslStep> {
    // gs2-header: cbind flag, optional authzid, then the bare message.
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text)
    if (!m) throw new Error('expected a GS2 header "n,," (channel binding is not supported)')
    this.gs2Header = `${m[1]},${m[2] ?? ''},`
    this.clientFirstBare = m[3]
    const attrs = attributes(this.clientFirstBare)
    const name = attrs.get('n')
    const clientNonce = attrs.get('r')
    if (name === undefined || clientNonce === undefined || !PRINTABLE_NONCE.test(clientNonce)) throw new Error('client-first needs n= and r=')
    this.user = unescapeName(name)
    const authzid = m[2] ? unescapeName(m[2].slice(2)) : ''
    if (authzid !== '' && authzid !== this.user) {
      this.state = 'done'
      return failed('Authentication failed: Client requested an authorization id that is different from username')
    }
    this.credential = await this.lookup(this.user, this.mechanism)
    const cred = this.credential ?? (this.fake = {
      salt: createHmac('sha256', FAKE_SALT_KEY).update(`${this.mechanism}\u0000${this.user}`).digest(),
      iterations: MIN_ITERATIONS,
      storedKey: randomBytes(1),
      serverKey: randomBytes(1),
    })
    this.nonce = clientNonce + randomBytes(24).toString('base64url')
    this.serverFirst = `r=${this.nonce},s=${cred.salt.toString('base64')},i=${cred.iterations}`
    this.state = 'final'
    return { kind: 'challenge', bytes: Buffer.from(this.serverFirst, 'utf8') }
  }

  private final(text: string): SaslStep {
    const proofAt = text.lastIndexOf(',p=')
    if (proofAt < 0) throw new Error('client-final needs p=')
    const withoutProof = text.slice(0, proofAt)
    const attrs = attributes(withoutProof)
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64')
    if (attrs.get('c') !== Buffer.from(this.gs2Header, 'utf8').toString('base64')) throw new Error('channel binding does not match the GS2 header')
    // endsWith, as Kafka checks: librdkafka sends its own nonce again in front of the server's.
    if (!attrs.get('r')?.endsWith(this.nonce)) throw new Error('nonce does not match the server nonce')
    const cred = this.credential
    if (!cred || this.fake) return this.invalid()
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`
    const clientSignature = hmac(this.mechanism, cred.storedKey, authMessage)
    if (proof.length !== clientSignature.length) return this.invalid()
    const storedKey = hash(this.mechanism, xor(proof, clientSignature))
    if (!timingSafeEqual(storedKey, cred.storedKey)) return this.invalid()
    this.state = 'done'
    const serverSignature = hmac(this.mechanism, cred.serverKey, authMessage)
    return { kind: 'done', bytes: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), user: this.user }
  }
}
