// Captures reference bytes from real Kafka clients talking to librdkafka's mock cluster
// through a recording proxy, and writes them as fixtures under test/golden/.
//   node --import tsx tools/capture/main.ts [batches] [frames] [<client>...] [--force]
//   node --import tsx tools/capture/main.ts [<client>...] --upstream=host:port --out=<dir>
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startMockCluster } from '../../test/helpers/mock-cluster.ts'
import { CODECS, kafkajsBatch, kafkaPythonBatch, kcatBatch, platformaticBatch } from './batch-scenarios.ts'
import type { BatchCapture, Codec } from './batch-scenarios.ts'
import { loadApiNames } from './api-names.ts'
import { FRAME_SCENARIOS } from './frame-scenarios.ts'
import type { FrameScenario } from './frame-scenarios.ts'
import { startRecordingProxy } from './proxy.ts'
import { DEFAULT_ADVERTISE, kafkaMaxima, Translator } from './translate.ts'
import type { CapturedFrame } from './proxy.ts'

/** What produced the bytes (Debian bookworm packages and the npm lockfile). */
export const CLIENT_VERSIONS: Record<string, string> = {
  kcat: 'kcat 1.7.1, librdkafka 2.0.2',
  'confluent-kafka': 'python3-confluent-kafka 1.7.0, librdkafka 2.0.2',
  'kafka-python': 'python3-kafka 2.0.2',
  kafkajs: 'kafkajs 2.2.4',
  platformatic: '@platformatic/kafka 1.35.0',
}

const GOLDEN = new URL('../../test/golden/', import.meta.url).pathname

function writeBatch(capture: BatchCapture): void {
  const dir = join(GOLDEN, 'batches')
  mkdirSync(dir, { recursive: true })
  const name = `${capture.client}-${capture.codec}`
  writeFileSync(join(dir, `${name}.bin`), capture.found.bytes)
  const meta = {
    client: capture.client,
    clientVersion: CLIENT_VERSIONS[capture.client],
    codec: capture.codec,
    topic: capture.topic,
    partition: capture.partition,
    produceApiVersion: capture.produceApiVersion,
    batches: capture.found.batches,
    bytes: capture.found.bytes.length,
    records: capture.records,
  }
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(meta, null, 2) + '\n')
  console.log(`batches/${name}.bin: ${capture.found.bytes.length} bytes, ${capture.found.batches} batch(es)`)
}

/** Requests kept per client and (api key, version): enough variety, small fixtures. */
const KEEP_PER_VERSION = 2

export interface FrameIndexEntry {
  file: string
  client: string
  direction: 'request' | 'response'
  apiKey: number
  apiName: string
  apiVersion: number
  correlationId: number
  clientId: string | null
  connection: number
  bytes: number
  /** Set when the peer's bytes are known not to be valid Kafka (the test then skips the round trip). */
  anomaly?: string
  /** A response the proxy re-encoded at the client's newer version from the mock's older answer. */
  translated?: boolean
}

/** Known defects of the upstream mock, recognised so the fixtures can say so. */
function anomalyOf(f: CapturedFrame): string | undefined {
  // librdkafka 2.0.2's mock answers ApiVersions v3 with UNSUPPORTED_VERSION (35) but writes the
  // compact array count as 0 (0x01) before its one entry, so the body is not valid v3; the
  // client gives up on it and retries ApiVersions v0.
  if (f.direction === 'response' && f.apiKey === 18 && f.apiVersion >= 3 && f.bytes.readInt16BE(4) === 35 && f.bytes[6] === 1) {
    return 'mock ApiVersions error response: compact array count says 0 but one entry follows'
  }
  return undefined
}

/** Picks the frames worth keeping: the first requests of each version and their responses. */
function selectFrames(frames: CapturedFrame[]): CapturedFrame[] {
  const kept = new Map<string, number>()
  const keptRequests = new Set<string>()
  const out: CapturedFrame[] = []
  for (const f of [...frames].sort((a, b) => a.seq - b.seq)) {
    const pair = `${f.connection}/${f.correlationId}`
    if (f.direction === 'request') {
      const key = `${f.apiKey}/${f.apiVersion}`
      const n = kept.get(key) ?? 0
      if (n >= KEEP_PER_VERSION) continue
      kept.set(key, n + 1)
      keptRequests.add(pair)
      out.push(f)
    } else if (keptRequests.has(pair)) {
      out.push(f)
    }
  }
  return out
}

function writeFrames(outDir: string, client: string, frames: CapturedFrame[], names: Map<number, string>): FrameIndexEntry[] {
  const dir = join(outDir, client)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return selectFrames(frames).map((f, i) => {
    const apiName = names.get(f.apiKey) ?? `Api${f.apiKey}`
    const kebab = apiName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
    const file = `${String(i).padStart(3, '0')}-${kebab}-v${f.apiVersion}-${f.direction === 'request' ? 'req' : 'resp'}.bin`
    writeFileSync(join(dir, file), f.bytes)
    return {
      file: `${client}/${file}`,
      client,
      direction: f.direction,
      apiKey: f.apiKey,
      apiName,
      apiVersion: f.apiVersion,
      correlationId: f.correlationId,
      clientId: f.clientId,
      connection: f.connection,
      bytes: f.bytes.length,
      ...(anomalyOf(f) ? { anomaly: anomalyOf(f) } : {}),
      ...(f.translated ? { translated: true } : {}),
    }
  })
}

function summarize(frames: CapturedFrame[], names: Map<number, string>): string {
  const counts = new Map<string, number>()
  for (const f of frames) {
    if (f.direction !== 'request') continue
    const key = `${names.get(f.apiKey) ?? f.apiKey} v${f.apiVersion}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ')
}

function advertiseFor(scenario: FrameScenario): Map<number, number> {
  const extra = Object.entries(scenario.advertise ?? {}).map(([k, v]) => [Number(k), v] as const)
  return new Map([...kafkaMaxima(DEFAULT_ADVERTISE), ...extra])
}

interface FrameRun {
  /** Where frames and index.json go. */
  outDir: string
  /** Translate versions for the librdkafka mock; off for a real broker upstream. */
  translate: boolean
}

async function captureFrames(upstream: { host: string; port: number }, only: Set<string>, run: FrameRun): Promise<void> {
  const names = loadApiNames()
  const indexFile = join(run.outDir, 'index.json')
  let index: FrameIndexEntry[] = []
  try {
    index = (JSON.parse(readFileSync(indexFile, 'utf8')) as { frames: FrameIndexEntry[] }).frames
  } catch {
    // first capture
  }
  for (const scenario of FRAME_SCENARIOS) {
    if (only.size && !only.has(scenario.client)) continue
    const translator = run.translate ? new Translator({ advertise: advertiseFor(scenario) }) : undefined
    const proxy = await startRecordingProxy(upstream, translator)
    try {
      await scenario.run(proxy.address)
    } catch (err) {
      // Golden fixtures are only replaced by complete runs; against a real broker a partial
      // trace is exactly what one wants to look at, so keep it and carry on.
      if (run.translate) throw err
      console.error(`frames/${scenario.client}: scenario failed (partial trace kept): ${(err as Error).message.split('\n')[0]}`)
      process.exitCode = 1
    } finally {
      await proxy.close()
    }
    const entries = writeFrames(run.outDir, scenario.client, proxy.frames, names)
    index = [...index.filter((e) => e.client !== scenario.client), ...entries]
    const size = entries.reduce((n, e) => n + e.bytes, 0)
    console.log(`frames/${scenario.client}: ${entries.length} of ${proxy.frames.length} frames kept, ${size} bytes`)
    console.log(`  sent: ${summarize(proxy.frames, names)}`)
  }
  const doc = {
    about:
      'Frames captured by tools/capture: header + body without the 4-byte size prefix. Requests are ' +
      (run.translate
        ? "byte-exact client output; responses come from the librdkafka mock cluster, re-encoded at the client's " +
          "version by Samsa's codecs where marked translated."
        : `byte-exact client output; responses are those of the broker at ${upstream.host}:${upstream.port}.`),
    clients: CLIENT_VERSIONS,
    frames: index,
  }
  writeFileSync(indexFile, JSON.stringify(doc, null, 1) + '\n')
}

function option(name: string): string | undefined {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg?.slice(name.length + 3)
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force')
  // --upstream=host:port records against a real broker (e.g. Samsa) instead of the mock, without
  // translation, into --out=<dir> (required then, so golden fixtures are never overwritten).
  const upstreamArg = option('upstream')
  const outArg = option('out')
  if (upstreamArg && !outArg) throw new Error('--upstream needs --out=<dir>')
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'))
  const what = new Set(args.length ? args : upstreamArg ? ['frames'] : ['batches', 'frames'])
  // Any other argument names a client: capture frames of those clients only.
  const clients = new Set(args.filter((a) => a !== 'batches' && a !== 'frames'))
  const cluster = upstreamArg ? undefined : await startMockCluster(1)
  const upstream = cluster ? cluster.brokers[0] : parseHostPort(upstreamArg!)
  try {
    if (what.has('batches') && cluster) {
      // Existing batch fixtures are kept unless --force: other tests pin their bytes.
      const batch = async (client: string, codec: Codec, capture: () => Promise<BatchCapture>) => {
        if (!force && existsSync(join(GOLDEN, 'batches', `${client}-${codec}.bin`))) return
        writeBatch(await capture())
      }
      for (const codec of CODECS) await batch('kcat', codec, () => kcatBatch(upstream, codec))
      for (const codec of ['none', 'gzip'] as const) await batch('kafkajs', codec, () => kafkajsBatch(upstream, codec))
      for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
        await batch('platformatic', codec, () => platformaticBatch(upstream, codec))
      }
      for (const codec of ['gzip', 'snappy'] as const) await batch('kafka-python', codec, () => kafkaPythonBatch(upstream, codec))
    }
    if (what.has('frames') || clients.size) {
      await captureFrames(upstream, clients, { outDir: outArg ?? join(GOLDEN, 'frames'), translate: cluster !== undefined })
    }
  } finally {
    await cluster?.close()
  }
}

function parseHostPort(s: string): { host: string; port: number } {
  const at = s.lastIndexOf(':')
  const port = Number(s.slice(at + 1))
  if (at <= 0 || !Number.isInteger(port) || port <= 0) throw new Error(`--upstream: expected host:port, got '${s}'`)
  return { host: s.slice(0, at), port }
}

await main()
