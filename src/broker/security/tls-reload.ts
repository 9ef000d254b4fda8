// TLS key and trust material reloaded without a restart, as Kafka's dynamic SSL reconfiguration
// (KIP-226): AlterConfigs / IncrementalAlterConfigs on this broker setting
// `listener.name.<l>.ssl.keystore.*` / `ssl.truststore.*` (or the same file rewritten, with any
// ssl.* change) rebuild every TLS listener's settings from the config as it would be. One that
// cannot be used (unreadable file, wrong password, a key that does not match its certificate)
// refuses the whole change with Kafka's INVALID_REQUEST and the old settings stay. As in Kafka,
// the new certificate must keep the old one's subject DN and subject alternative names unless
// ssl.allow.dn.changes / ssl.allow.san.changes say otherwise (PEM and PKCS12 key stores alike; a
// PKCS12 store's certificate is read by pkcs12-store.ts). New connections then use the new
// material; open ones keep theirs.
import { X509Certificate } from 'node:crypto'
import type { TlsOptions } from 'node:tls'
import type { BrokerConfig } from '../config/broker-config.ts'
import { ConfigError } from '../config/config-error.ts'
import { parseListenerKey } from '../config/listener-prefix.ts'
import { usesTls } from '../config/listeners.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import { topicError } from '../cluster/topic-errors.ts'
import { readPkcs12 } from './pkcs12-store.ts'
import { listenerTls } from './tls-options.ts'
import type { ListenerTls } from './tls-options.ts'

/** Settings built for the listeners, waiting for the change to be kept. */
export type PreparedTls = ReadonlyMap<string, ListenerTls>

/** Whether a (possibly listener-prefixed) key is TLS material or settings. */
export function isTlsKey(name: string): boolean {
  const base = parseListenerKey(name)?.key ?? name
  return base.startsWith('ssl.')
}

function firstCert(options: TlsOptions): X509Certificate | undefined {
  if (Buffer.isBuffer(options.pfx)) {
    try {
      return readPkcs12(options.pfx, typeof options.passphrase === 'string' ? options.passphrase : '').keyCertificate
    } catch {
      return undefined // listenerTls already refused a store that cannot be opened
    }
  }
  const pem = typeof options.cert === 'string' ? options.cert : Buffer.isBuffer(options.cert) ? options.cert.toString('utf8') : undefined
  if (pem === undefined) return undefined
  try {
    return new X509Certificate(pem)
  } catch {
    return undefined
  }
}

export class TlsReloader {
  constructor(
    private readonly config: BrokerConfig,
    /** Current settings of a TLS listener. */
    private readonly current: (listener: string) => ListenerTls | undefined,
    /** Makes new settings a listener's (its server's secure context and the security record). */
    private readonly install: (listener: string, tls: ListenerTls) => void,
  ) {}

  /** Every TLS listener's settings under the config as it is now; throws INVALID_REQUEST for the first that cannot be used. */
  prepare(): PreparedTls {
    const out = new Map<string, ListenerTls>()
    for (const l of this.config.listeners) {
      if (!usesTls(l.securityProtocol)) continue
      try {
        const next = listenerTls(this.config, l.name)
        this.ensureCompatible(l.name, next)
        out.set(l.name, next)
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err
        throw topicError(ErrorCode.INVALID_REQUEST, `Validation of dynamic config update of SSLFactory failed for listener ${l.name}: ${err.message}`)
      }
    }
    return out
  }

  commit(prepared: PreparedTls): void {
    for (const [listener, tls] of prepared) this.install(listener, tls)
  }

  private ensureCompatible(listener: string, next: ListenerTls): void {
    const old = this.current(listener)
    if (!old) return
    const before = firstCert(old.options)
    const after = firstCert(next.options)
    if (!before || !after) return
    const key = (k: string) => (this.config.forListener(listener, k) === this.config.get(k) ? k : `listener.name.${listener.toLowerCase()}.${k}`)
    if (this.config.forListener(listener, 'ssl.allow.dn.changes') !== true && before.subject !== after.subject) {
      throw new ConfigError(key('ssl.keystore.location'), `Keystore DistinguishedName does not match: existing {${before.subject.replaceAll('\n', ', ')}}, ` +
        `new {${after.subject.replaceAll('\n', ', ')}} (set ssl.allow.dn.changes=true to allow it)`)
    }
    if (this.config.forListener(listener, 'ssl.allow.san.changes') !== true && (before.subjectAltName ?? '') !== (after.subjectAltName ?? '')) {
      throw new ConfigError(key('ssl.keystore.location'), `Keystore SubjectAltNames do not match: existing {${before.subjectAltName ?? ''}}, ` +
        `new {${after.subjectAltName ?? ''}} (set ssl.allow.san.changes=true to allow it)`)
    }
  }
}
