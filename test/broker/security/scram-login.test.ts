// The broker's own SCRAM login (inter-broker SASL) against the broker's SCRAM server: the right
// password logs in and the server's signature verifies; a wrong one is refused by the server; a
// server that does not know the credential cannot forge the final signature.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { ScramLogin } from '../../../src/broker/security/sasl/scram-client.ts'
import { ScramServer } from '../../../src/broker/security/sasl/scram.ts'
import { credentialFrom, saltedPassword } from '../../../src/broker/security/sasl/scram-formatter.ts'
import type { ScramMechanism } from '../../../src/broker/security/sasl/scram-formatter.ts'

function serverFor(m: ScramMechanism, password: string): ScramServer {
  const salt = randomBytes(16)
  const cred = credentialFrom(m, saltedPassword(m, password, salt, 4096), salt, 4096)
  return new ScramServer(m, async (user) => (user === 'broker' ? cred : undefined))
}

for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
  test(`${m}: the broker's login completes against the SCRAM server and verifies it`, async () => {
    const server = serverFor(m, 'secret')
    const login = new ScramLogin(m, 'broker', 'secret')
    const first = await server.evaluate(login.start())
    assert.equal(first.kind, 'challenge')
    const last = await server.evaluate(login.respond((first as { bytes: Buffer }).bytes))
    assert.equal(last.kind, 'done')
    login.finish((last as { bytes: Buffer }).bytes)
  })

  test(`${m}: a wrong password is refused; a forged server signature is detected`, async () => {
    const server = serverFor(m, 'secret')
    const login = new ScramLogin(m, 'broker', 'wrong')
    const first = await server.evaluate(login.start())
    const last = await server.evaluate(login.respond((first as { bytes: Buffer }).bytes))
    assert.equal(last.kind, 'failed')
    const honest = serverFor(m, 'secret')
    const ok = new ScramLogin(m, 'broker', 'secret')
    const f = await honest.evaluate(ok.start())
    await honest.evaluate(ok.respond((f as { bytes: Buffer }).bytes))
    assert.throws(() => ok.finish(Buffer.from(`v=${randomBytes(m === 'SCRAM-SHA-256' ? 32 : 64).toString('base64')}`)), /signature does not verify/)
  })
}
