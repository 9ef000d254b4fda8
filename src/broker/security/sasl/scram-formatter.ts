// SCRAM's key derivations (RFC 5802 section 3) for SHA-256 and SHA-512 (RFC 7677), and the
// credential the broker stores: salt, iterations, StoredKey and ServerKey — never the password nor
// the salted password, so a stolen store does not let anyone log in.
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto'

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

/** Kafka's ScramMechanism type codes (AlterUserScramCredentials / DescribeUserScramCredentials). */
export const SCRAM_TYPES: Readonly<Record<number, ScramMechanism>> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' }
export const scramType = (m: ScramMechanism): number => (m === 'SCRAM-SHA-256' ? 1 : 2)

/** Kafka's bounds on iterations (ScramMechanism.minIterations / maxIterations). */
export const MIN_ITERATIONS = 4096
export const MAX_ITERATIONS = 16384

export interface ScramCredential {
  readonly salt: Buffer
  readonly iterations: number
  readonly storedKey: Buffer
  readonly serverKey: Buffer
}

export const hashName = (m: ScramMechanism): 'sha256' | 'sha512' => (m === 'SCRAM-SHA-256' ? 'sha256' : 'sha512')

export function hmac(m: ScramMechanism, key: Buffer, text: Buffer | string): Buffer {
  return createHmac(hashName(m), key).update(text).digest()
}

export function hash(m: ScramMechanism, bytes: Buffer): Buffer {
  return createHash(hashName(m)).update(bytes).digest()
}

export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, m === 'SCRAM-SHA-256' ? 32 : 64, hashName(m))
}

/** The stored form, from the salted password a client (AlterUserScramCredentials) or we computed. */
export function credentialFrom(m: ScramMechanism, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key')
  return { salt, iterations, storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key') }
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i]
  return out
}
