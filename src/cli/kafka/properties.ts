// Client settings as the Kafka tools take them: `-X key=value` and `--command-config FILE` in
// Java's .properties format, with Kafka's (and librdkafka's) property names, turned into
// samsa/client options. Unsupported properties are reported, not silently dropped.
import { readFileSync } from 'node:fs'
import type { ClientOptions } from '../../client/index.ts'
import { unsecuredJwt } from '../../client/index.ts'
import { CliError } from './errors.ts'
import { readPkcs12 } from '../../broker/security/pkcs12-store.ts'

/** Parses Java .properties text: `key=value`, `key: value` or `key value`; # and ! comments; \ continues a line. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trimStart()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trimStart()
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line)
    const key = unescape(m ? m[1]! : line)
    out.set(key, m ? unescape(m[2]!) : '')
  }
  return out
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) =>
    c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c)
}

/** `key=value` as given to -X, -c or -H. */
export function splitKeyValue(text: string, what: string): [string, string] {
  const i = text.indexOf('=')
  if (i <= 0) throw new CliError(`${what} '${text}' is not key=value`)
  return [text.slice(0, i), text.slice(i + 1)]
}

export function readPropertiesFile(file: string): Map<string, string> {
  try {
    return parseProperties(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new CliError(`cannot read --command-config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

function number(key: string, v: string): number {
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new CliError(`client property ${key}=${v} is not a non-negative number`)
  return n
}

/** `username="u" password="p"` out of a Java sasl.jaas.config line. */
function jaasOption(jaas: string, name: string): string | undefined {
  return new RegExp(`\\b${name}\\s*=\\s*"((?:\\\\.|[^"\\\\])*)"`).exec(jaas)?.[1]?.replace(/\\(.)/g, '$1')
}

export interface ResolvedProperties {
  client: Omit<ClientOptions, 'bootstrapServers'> & { bootstrapServers?: string }
  /** Properties the command itself may use (group.id, acks, ...), by Kafka name. */
  rest: Map<string, string>
}

/** `key="value"` options of a JAAS line whose key starts with `prefix`, by the rest of the key. */
function jaasOptions(jaas: string, prefix: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of jaas.matchAll(/\b([\w.-]+)\s*=\s*"((?:\\.|[^"\\])*)"/g)) {
    if (m[1]!.startsWith(prefix)) out.set(m[1]!.slice(prefix.length), m[2]!.replace(/\\(.)/g, '$1'))
  }
  return out
}

/**
 * OAUTHBEARER tokens: a JWT read from `sasl.oauthbearer.token.endpoint.url=file://...` (KIP-768's
 * file form, read again for every connection), or an unsecured JWT built from librdkafka's
 * `sasl.oauthbearer.config` (`principal=... [scope=a,b] [lifeSeconds=N]`) or Java's unsecured login
 * module options (`unsecuredLoginStringClaim_sub="..."`, `unsecuredLoginLifetimeSeconds`).
 */
function oauthToken(props: Map<string, string>): () => string {
  const url = props.get('sasl.oauthbearer.token.endpoint.url')
  if (url !== undefined) {
    if (!url.startsWith('file:')) throw new CliError(`sasl.oauthbearer.token.endpoint.url=${url}: only file: URLs are supported (a file holding the token)`)
    const file = new URL(url).pathname
    return () => {
      try {
        return readFileSync(file, 'utf8').trim()
      } catch (err) {
        throw new CliError(`cannot read the OAUTHBEARER token ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
      }
    }
  }
  const rd = props.get('sasl.oauthbearer.config')
  const jaas = props.get('sasl.jaas.config')
  let principal: string | undefined
  let life: number | undefined
  let scope: string[] = []
  if (rd !== undefined) {
    for (const part of rd.split(/\s+/).filter((p) => p !== '')) {
      const [k, v = ''] = splitKeyValue(part, 'sasl.oauthbearer.config option')
      if (k === 'principal') principal = v
      else if (k === 'lifeSeconds') life = number('lifeSeconds', v)
      else if (k === 'scope') scope = v.split(',').filter((s) => s !== '')
    }
  } else if (jaas !== undefined) {
    principal = jaasOptions(jaas, 'unsecuredLoginStringClaim_').get('sub')
    const l = jaasOptions(jaas, 'unsecuredLogin').get('LifetimeSeconds')
    if (l !== undefined) life = number('unsecuredLoginLifetimeSeconds', l)
  }
  if (principal === undefined) {
    throw new CliError('OAUTHBEARER needs a token: sasl.oauthbearer.token.endpoint.url=file:..., sasl.oauthbearer.config=principal=..., or unsecuredLoginStringClaim_sub in sasl.jaas.config')
  }
  const p = principal
  return () => unsecuredJwt({ principal: p, lifeSeconds: life, scope })
}

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']

/**
 * Client options from properties. Security: security.protocol (PLAINTEXT, SSL, SASL_PLAINTEXT,
 * SASL_SSL); sasl.mechanism(s) PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 with sasl.username/sasl.password
 * or sasl.jaas.config, or OAUTHBEARER (oauthToken above); PEM
 * files via ssl.ca.location / ssl.certificate.location / ssl.key.location (librdkafka) or
 * ssl.truststore.location / ssl.keystore.location with type PEM or PKCS12 (Java).
 */
export function clientOptionsFrom(props: Map<string, string>): ResolvedProperties {
  const client: ResolvedProperties['client'] = {}
  const rest = new Map<string, string>()
  const tls: { ca?: Buffer | string[]; cert?: Buffer; key?: Buffer; pfx?: Buffer; passphrase?: string; rejectUnauthorized?: boolean; checkServerIdentity?: () => undefined } = {}
  // Java's store settings, resolved once every property is read (a type may follow its location).
  const stores = new Map<string, string>()
  let protocol = 'PLAINTEXT'
  let mechanism = 'PLAIN'
  let username: string | undefined
  let password: string | undefined
  const pem = (key: string, file: string): Buffer => {
    try {
      return readFileSync(file)
    } catch (err) {
      throw new CliError(`cannot read ${key} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  for (const [key, v] of props) {
    switch (key) {
      case 'bootstrap.servers': client.bootstrapServers = v; break
      case 'client.id': client.clientId = v; break
      case 'request.timeout.ms': client.requestTimeoutMs = number(key, v); break
      case 'socket.connection.setup.timeout.ms': client.connectTimeoutMs = number(key, v); break
      case 'retries': client.retries = number(key, v); break
      case 'retry.backoff.ms': client.retryBackoffMs = number(key, v); break
      case 'retry.backoff.max.ms': client.retryBackoffMaxMs = number(key, v); break
      case 'metadata.max.age.ms': client.metadataMaxAgeMs = number(key, v); break
      case 'security.protocol': protocol = v.toUpperCase(); break
      case 'sasl.mechanism': case 'sasl.mechanisms': mechanism = v.toUpperCase(); break
      case 'sasl.username': username = v; break
      case 'sasl.password': password = v; break
      case 'sasl.jaas.config': username = jaasOption(v, 'username'); password = jaasOption(v, 'password'); break
      case 'sasl.oauthbearer.config': case 'sasl.oauthbearer.token.endpoint.url': break // read by oauthToken
      case 'ssl.ca.location': tls.ca = pem(key, v); break
      case 'ssl.certificate.location': tls.cert = pem(key, v); break
      case 'ssl.key.location': tls.key = pem(key, v); break
      case 'ssl.truststore.location': case 'ssl.keystore.location': case 'ssl.truststore.password': stores.set(key, v); break
      case 'ssl.key.password': case 'ssl.keystore.password': tls.passphrase = v; break
      case 'ssl.truststore.type': case 'ssl.keystore.type':
        if (!['PEM', 'PKCS12'].includes(v.toUpperCase())) throw new CliError(`${key}=${v} is not supported: give PEM or PKCS12 stores (JKS is Java's own)`)
        stores.set(key, v.toUpperCase())
        break
      case 'enable.ssl.certificate.verification': tls.rejectUnauthorized = v !== 'false'; break
      case 'ssl.endpoint.identification.algorithm': if (v === '' || v === 'none') tls.checkServerIdentity = () => undefined; break
      default: rest.set(key, v)
    }
  }
  // Java's default store type is JKS, which opens PKCS12 files too: a store without a type is
  // PKCS12 when it is one (DER), else PEM; a real JKS file is refused in words.
  const storeType = (typeKey: string, locationKey: string, bytes: Buffer): string | undefined => {
    const given = stores.get(typeKey)
    if (given !== undefined) return given
    const magic = bytes.length >= 4 ? bytes.readUInt32BE(0) : 0
    if (magic === 0xfeedfeed || magic === 0xcececece) {
      throw new CliError(`${locationKey} is a JKS store: give PEM or PKCS12 stores (keytool -importkeystore -deststoretype PKCS12 converts it)`)
    }
    return bytes[0] === 0x30 ? 'PKCS12' : 'PEM'
  }
  const trustLocation = stores.get('ssl.truststore.location')
  if (trustLocation !== undefined) {
    const bytes = pem('ssl.truststore.location', trustLocation)
    if (storeType('ssl.truststore.type', 'ssl.truststore.location', bytes) === 'PKCS12') {
      try {
        tls.ca = readPkcs12(bytes, stores.get('ssl.truststore.password') ?? '').certificates.map((c) => c.toString())
      } catch (err) {
        throw new CliError(`ssl.truststore.location ${trustLocation}: ${(err as Error).message}`)
      }
    } else tls.ca = bytes
  }
  const keyLocation = stores.get('ssl.keystore.location')
  if (keyLocation !== undefined) {
    const bytes = pem('ssl.keystore.location', keyLocation)
    if (storeType('ssl.keystore.type', 'ssl.keystore.location', bytes) === 'PKCS12') tls.pfx = bytes
    else tls.cert = tls.key = bytes
  }
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) throw new CliError(`security.protocol=${protocol} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL`)
  if (protocol.endsWith('SSL')) client.tls = tls
  if (protocol.startsWith('SASL')) {
    if (!MECHANISMS.includes(mechanism)) throw new CliError(`sasl.mechanism=${mechanism} is not supported (${MECHANISMS.join(', ')} are)`)
    if (mechanism === 'OAUTHBEARER') {
      client.sasl = { mechanism: 'OAUTHBEARER', token: oauthToken(props) }
    } else {
      if (username === undefined || password === undefined) throw new CliError('SASL needs sasl.username and sasl.password (or sasl.jaas.config)')
      client.sasl = { mechanism: mechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password }
    }
  }
  return { client, rest }
}
