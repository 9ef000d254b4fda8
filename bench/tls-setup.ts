// `npm run bench -- broker --tls`: a SASL_SSL listener beside the PLAINTEXT one, so every scenario
// runs over both in the same broker and run. Throw-away certificates (EC P-256, like most
// deployments' ECDHE suites) are made with openssl in a temporary directory; the load generator
// logs in with SASL/PLAIN, the cheapest mechanism per connection (the figures are about the
// per-byte cost of TLS, not about login).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConnSecurity } from './loadgen/jobs.ts'

export interface BenchTls {
  /** `--set` arguments for `samsa start`. */
  readonly brokerSets: string[]
  readonly security: ConnSecurity
  cleanup(): void
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']

export function makeBenchTls(): BenchTls {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-tls-'))
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Samsa Bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  openssl(['req', ...EC, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'])
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2',
    '-extfile', 'server.ext'])
  writeFileSync(join(dir, 'keystore.pem'), readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8'))
  const sets = {
    'listeners': 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': join(dir, 'keystore.pem'),
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_bench="bench-secret";',
  }
  return {
    brokerSets: Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    security: { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), username: 'bench', password: 'bench-secret' },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The SASL_SSL port from `samsa start`'s `listening on ...` line. */
export function saslSslPort(listeningLine: string): number | undefined {
  const m = /SASL_SSL:\/\/[^\s,]*:(\d+)/.exec(listeningLine)
  return m ? Number(m[1]) : undefined
}
