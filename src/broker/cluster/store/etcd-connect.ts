// `etcd.connect=HOST:PORT[,HOST:PORT...][/prefix]`: the etcd members to talk to and the key prefix
// the cluster lives under, in the form of Kafka's `zookeeper.connect` (chroot included), so several
// clusters can share one etcd. Parsed once at config validation, so a typo fails before start-up.

export interface EtcdConnect {
  /** `host:port` of each member (IPv6 hosts in brackets). */
  readonly hosts: readonly string[]
  /** '' or '/name...' without a trailing slash: every key of the cluster starts with it. */
  readonly prefix: string
}

export class EtcdConnectError extends Error {
  constructor(value: string, reason: string) {
    super(`${reason} in '${value}' (expected HOST:PORT[,HOST:PORT...][/prefix], e.g. 127.0.0.1:2379/samsa)`)
    this.name = 'EtcdConnectError'
  }
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/

export function parseEtcdConnect(value: string): EtcdConnect {
  const text = value.trim()
  if (text === '') throw new EtcdConnectError(value, 'empty')
  // The prefix starts at the first '/' (hosts never contain one).
  const slash = text.indexOf('/')
  const hostPart = slash < 0 ? text : text.slice(0, slash)
  let prefix = slash < 0 ? '' : text.slice(slash)
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1)
  if (/\s|\/\//.test(prefix)) throw new EtcdConnectError(value, `bad prefix '${prefix}'`)
  const hosts = hostPart.split(',').map((h) => h.trim())
  for (const h of hosts) {
    const m = HOST_PORT.exec(h)
    if (!m) throw new EtcdConnectError(value, h === '' ? 'empty host' : `'${h}' is not HOST:PORT`)
    const port = Number(m[2])
    if (port < 1 || port > 65535) throw new EtcdConnectError(value, `port ${port} out of range`)
  }
  return { hosts, prefix }
}
