// A network namespace joined to this one by a veth pair, for partition tests (root only).
// This side's address sits on `lo` (always up, and Linux answers ARP for it on the veth), so
// processes here keep talking to each other through it while the veth is down: `partition()`
// cuts the namespace off, `heal()` joins it again. `remove()` deletes the namespace (which
// deletes the veth pair) and the address.
import { execFileSync } from 'node:child_process'
import { randomInt } from 'node:crypto'

export interface Netns {
  readonly name: string
  /** This side's address (on lo): listen here to be reachable from inside and outside. */
  readonly hostAddress: string
  /** The namespace's address. */
  readonly nsAddress: string
  partition(): void
  heal(): void
  remove(): void
}

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }) }

/** Why network namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  const probe = `samsa-probe-${process.pid}`
  try {
    ip('netns', 'add', probe)
    ip('netns', 'del', probe)
    return undefined
  } catch (err) {
    return `ip netns add failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? (err as Error).message}`
  }
}

export function createNetns(): Netns {
  const tag = randomInt(1 << 20).toString(36)
  const name = `samsa-${tag}`
  const host = `sh${tag}`
  const peer = `sn${tag}`
  // A /32 pair in 10.213.0.0/16 picked at random so parallel tests do not collide.
  const net = `10.213.${randomInt(256)}.${randomInt(32) * 8}`
  const base = net.split('.').map(Number)
  const hostAddress = `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 1}`
  const nsAddress = `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 2}`
  const remove = (): void => {
    try { ip('netns', 'del', name) } catch { /* already gone */ }
    try { ip('link', 'del', host) } catch { /* deleted with the namespace */ }
    try { ip('addr', 'del', `${hostAddress}/32`, 'dev', 'lo') } catch { /* never added */ }
  }
  try {
    ip('netns', 'add', name)
    ip('addr', 'add', `${hostAddress}/32`, 'dev', 'lo')
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer)
    ip('link', 'set', peer, 'netns', name)
    ip('link', 'set', host, 'up')
    ip('route', 'replace', `${nsAddress}/32`, 'dev', host)
    ip('-n', name, 'link', 'set', 'lo', 'up')
    ip('-n', name, 'addr', 'add', `${nsAddress}/32`, 'dev', peer)
    ip('-n', name, 'link', 'set', peer, 'up')
    ip('-n', name, 'route', 'replace', `${hostAddress}/32`, 'dev', peer)
  } catch (err) {
    remove()
    throw err
  }
  process.once('exit', remove)
  return {
    name,
    hostAddress,
    nsAddress,
    partition: () => ip('link', 'set', host, 'down'),
    heal: () => {
      ip('link', 'set', host, 'up')
      // Taking the link down dropped its route.
      ip('route', 'replace', `${nsAddress}/32`, 'dev', host)
    },
    remove,
  }
}
