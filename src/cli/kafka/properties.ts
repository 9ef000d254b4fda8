// Client settings as the Kafka tools take them: `-X key=value` and `--command-config FILE` in
// Java's .properties format, with Kafka's (and librdkafka's) property names, turned into
// samsa/client options. Unsupported properties are reported, not silently dropped.
import { readFileSync } from 'node:fs'
import type { ClientOptions } from '../../client/index.ts'
import { CliError } from './errors.ts'

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

/**
 * Client options from properties. Security: security.protocol (PLAINTEXT, SSL, SASL_PLAINTEXT,
 * SASL_SSL), sasl.mechanism(s) PLAIN with sasl.username/sasl.password or sasl.jaas.config, PEM
 * files via ssl.ca.location / ssl.certificate.location / ssl.key.location (librdkafka) or
 * ssl.truststore.location / ssl.keystore.location with type PEM (Java).
 */
export function clientOptionsFrom(props: Map<string, string>): ResolvedProperties {
  const client: ResolvedProperties['client'] = {}
  const rest = new Map<string, string>()
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; passphrase?: string; rejectUnauthorized?: boolean; checkServerIdentity?: () => undefined } = {}
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
      case 'ssl.ca.location': case 'ssl.truststore.location': tls.ca = pem(key, v); break
      case 'ssl.certificate.location': tls.cert = pem(key, v); break
      case 'ssl.key.location': tls.key = pem(key, v); break
      case 'ssl.keystore.location': tls.cert = tls.key = pem(key, v); break
      case 'ssl.key.password': case 'ssl.keystore.password': tls.passphrase = v; break
      case 'ssl.truststore.type': case 'ssl.keystore.type':
        if (v.toUpperCase() !== 'PEM') throw new CliError(`${key}=${v} is not supported: give PEM files`)
        break
      case 'enable.ssl.certificate.verification': tls.rejectUnauthorized = v !== 'false'; break
      case 'ssl.endpoint.identification.algorithm': if (v === '' || v === 'none') tls.checkServerIdentity = () => undefined; break
      default: rest.set(key, v)
    }
  }
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) throw new CliError(`security.protocol=${protocol} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL`)
  if (protocol.endsWith('SSL')) client.tls = tls
  if (protocol.startsWith('SASL')) {
    if (mechanism !== 'PLAIN') throw new CliError(`sasl.mechanism=${mechanism} is not supported (PLAIN is)`)
    if (username === undefined || password === undefined) throw new CliError('SASL needs sasl.username and sasl.password (or sasl.jaas.config)')
    client.sasl = { mechanism: 'PLAIN', username, password }
  }
  return { client, rest }
}
