// One request over a fresh raw connection that first logs in with SASL PLAIN (password
// `<user>-pw`): for tests that need an exact error code a client library would hide.
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'

export async function rawAs<T>(port: number, user: string, apiKey: number, version: number, body: unknown): Promise<T> {
  const c = await RawClient.connect(port)
  try {
    c.write(requestFrame(ApiKey.SaslHandshake, 1, 1, { mechanism: 'PLAIN' }))
    await c.readFrame()
    c.write(requestFrame(ApiKey.SaslAuthenticate, 1, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${user}-pw`) }))
    await c.readFrame()
    c.write(requestFrame(apiKey, version, 3, body))
    return decodeResponseFrame<T>(apiKey, version, await c.readFrame()).body
  } finally {
    c.destroy()
  }
}
