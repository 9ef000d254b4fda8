// A minimal SCRAM client over a raw connection (SaslHandshake v1 + SaslAuthenticate), checking the
// server's signature, for tests that need a login without a client library.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { SaslAuthenticateResponse } from '../../../src/protocol/generated/messages/sasl-authenticate.ts'
import type { SaslHandshakeResponse } from '../../../src/protocol/generated/messages/sasl-handshake.ts'
import type { RawClient} from '../raw-client.ts';
import { decodeResponseFrame, requestFrame } from '../raw-client.ts'
import type { Mechanism } from './scram-admin.ts'

async function call<T>(c: RawClient, apiKey: number, version: number, body: unknown): Promise<T> {
  c.write(requestFrame(apiKey, version, 1, body))
  return decodeResponseFrame<T>(apiKey, version, await c.readFrame()).body
}

/** Logs in; returns the last SaslAuthenticate answer (errorCode 0 on success). Throws if the server's proof is wrong. */
export async function scramLogin(c: RawClient, mechanism: Mechanism, user: string, password: string): Promise<SaslAuthenticateResponse> {
  const sha = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512'
  const hs = await call<SaslHandshakeResponse>(c, ApiKey.SaslHandshake, 1, { mechanism })
  if (hs.errorCode !== 0) throw new Error(`SaslHandshake error ${hs.errorCode}`)
  const nonce = randomBytes(18).toString('base64')
  const first = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`
  const r1 = await call<SaslAuthenticateResponse>(c, ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,${first}`) })
  if (r1.errorCode !== 0) return r1
  const serverFirst = r1.authBytes.toString()
  const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]))
  const salted = pbkdf2Sync(password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), sha === 'sha256' ? 32 : 64, sha)
  const clientKey = createHmac(sha, salted).update('Client Key').digest()
  const storedKey = createHash(sha).update(clientKey).digest()
  const finalNoProof = `c=biws,r=${attrs.r}`
  const authMessage = `${first},${serverFirst},${finalNoProof}`
  const signature = createHmac(sha, storedKey).update(authMessage).digest()
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]))
  const r2 = await call<SaslAuthenticateResponse>(c, ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`${finalNoProof},p=${proof.toString('base64')}`) })
  if (r2.errorCode !== 0) return r2
  const serverKey = createHmac(sha, salted).update('Server Key').digest()
  const expected = `v=${createHmac(sha, serverKey).update(authMessage).digest('base64')}`
  if (r2.authBytes.toString() !== expected) throw new Error(`server signature ${r2.authBytes.toString()} is not ${expected}`)
  return r2
}
