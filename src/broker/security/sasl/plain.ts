// SASL/PLAIN (RFC 4616): one token `authzid NUL authcid NUL password`, checked against the users of
// the listener's PLAIN JAAS entry. An authorization id other than the user name is refused, as
// Kafka does. Passwords are compared through their digests so timing says nothing about them.
import { createHash, timingSafeEqual } from 'node:crypto'
import { failed } from './mechanism.ts'
import type { SaslServer, SaslStep } from './mechanism.ts'

const INVALID = 'Authentication failed: Invalid username or password'

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()

export class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN'

  /** `users`: name -> password, from `user_<name>="<password>"` options. */
  constructor(private readonly users: ReadonlyMap<string, string>) {}

  evaluate(token: Buffer): SaslStep {
    const parts = token.toString('utf8').split('\u0000')
    if (parts.length !== 3) return failed('Invalid SASL/PLAIN response: expected 3 tokens')
    const [authzid, user, password] = parts
    if (user === '') return failed('Authentication failed: username not specified')
    if (password === '') return failed('Authentication failed: password not specified')
    if (authzid !== '' && authzid !== user) {
      return failed('Authentication failed: Client requested an authorization id that is different from username')
    }
    const expected = this.users.get(user)
    // Unknown users cost the same comparison as known ones.
    const ok = timingSafeEqual(digest(password), digest(expected ?? '\u0000unknown')) && expected !== undefined
    return ok ? { kind: 'done', bytes: Buffer.alloc(0), user } : failed(INVALID, user)
  }
}

/** PLAIN users from a JAAS entry's options (`user_alice="secret"`). */
export function plainUsers(options: ReadonlyMap<string, string>): Map<string, string> {
  const users = new Map<string, string>()
  for (const [k, v] of options) if (k.startsWith('user_') && k.length > 5) users.set(k.slice(5), v)
  return users
}
