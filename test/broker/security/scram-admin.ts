// Adds SCRAM users to a test broker the way Kafka's admin tools do: AlterUserScramCredentials with
// the salted password computed here (the password itself never goes to the broker).
import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { AlterUserScramCredentialsResponse } from '../../../src/protocol/generated/messages/alter-user-scram-credentials.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'

export type Mechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

export function upsertion(user: string, password: string, mechanism: Mechanism, iterations = 4096) {
  const salt = randomBytes(16)
  const sha = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512'
  const saltedPassword = pbkdf2Sync(password, salt, iterations, sha === 'sha256' ? 32 : 64, sha)
  return { name: user, mechanism: mechanism === 'SCRAM-SHA-256' ? 1 : 2, iterations, salt, saltedPassword }
}

/** Sends one AlterUserScramCredentials over an open (plaintext or authenticated) connection. */
export async function alterScram(client: RawClient, request: { deletions: unknown[], upsertions: unknown[] }, correlationId = 77): Promise<AlterUserScramCredentialsResponse> {
  client.write(requestFrame(ApiKey.AlterUserScramCredentials, 0, correlationId, request))
  return decodeResponseFrame<AlterUserScramCredentialsResponse>(ApiKey.AlterUserScramCredentials, 0, await client.readFrame()).body
}

/** Creates users through a plaintext listener; throws unless every one succeeded. */
export async function addScramUsers(port: number, users: readonly { user: string, password: string, mechanism: Mechanism }[]): Promise<void> {
  const c = await RawClient.connect(port)
  try {
    const res = await alterScram(c, { deletions: [], upsertions: users.map((u) => upsertion(u.user, u.password, u.mechanism)) })
    const bad = res.results.filter((r) => r.errorCode !== 0)
    if (bad.length > 0) throw new Error(`AlterUserScramCredentials failed: ${JSON.stringify(bad)}`)
  } finally {
    c.destroy()
  }
}
