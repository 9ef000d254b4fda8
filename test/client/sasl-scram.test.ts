// The client's SCRAM exchange against RFC 7677's SCRAM-SHA-256 example (user, password, both
// nonces, salt and iterations fixed), then the server messages it must refuse: a nonce that does
// not extend its own, an error, a wrong server signature.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ScramClient } from '../../src/client/net/sasl-scram.ts'

test('SCRAM-SHA-256: RFC 7677 section 3 exchange, byte for byte; a wrong server signature or an error is refused', () => {
  const nonce = 'rOprNGfwEbeRWgbNEkqO'
  const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', nonce)
  assert.equal(client.first().toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO')
  const final = client.final(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))
  assert.equal(final.toString(), 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')
  client.verify(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))
  assert.throws(() => client.verify(Buffer.from('v=AAAA')), /signature is wrong/)
  assert.throws(() => client.verify(Buffer.from('e=invalid-proof')), /refused the login: invalid-proof/)
})

test('SCRAM: escapes the user name and refuses a nonce that does not extend its own', () => {
  const c = new ScramClient('SCRAM-SHA-512', 'a=b,c', 'pw')
  assert.match(c.first().toString(), /^n,,n=a=3Db=2Cc,r=/)
  assert.throws(() => c.final(Buffer.from('r=other,s=AAAA,i=4096')), /nonce does not extend ours/)
  assert.throws(() => new ScramClient('SCRAM-SHA-512', 'u', 'p').final(Buffer.from('e=unknown-user')), /refused the login: unknown-user/)
})
