// Host names where Kafka takes an address (IP quota entities, max.connections.per.ip.overrides),
// resolved as its InetAddress.getByName does: through the system resolver (getaddrinfo), one
// address, an IPv4 one first (Java's default order). An address is taken as it is.
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'

/** The address `host` stands for; rejects (ENOTFOUND, ...) when it does not resolve. */
export async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host
  const all = await lookup(host, { all: true })
  const first = all.find((a) => a.family === 4) ?? all[0]
  if (!first) throw new Error(`${host} has no address`)
  return first.address
}

/** Whether `host` is an address or a name that resolves. */
export async function resolvable(host: string): Promise<boolean> {
  try {
    await resolveHost(host)
    return true
  } catch {
    return false
  }
}
