// Records benchmark: CRC32C throughput, compress/decompress speed per codec on a realistic
// batch (1 KiB JSON-ish values), and full batch build/decode rates. Prints figures only.
// Run alone with `npx tsx bench/records.ts`; bench/protocol.ts calls runRecordsBench().
import { pathToFileURL } from 'node:url'
import { buildRecordBatch } from '../src/protocol/records/batch-builder.ts'
import { decodeRecordBatch } from '../src/protocol/records/batch-decoder.ts'
import { getCodec } from '../src/protocol/records/compression/index.ts'
import { crc32c } from '../src/protocol/records/crc32c.ts'

/** Runs `fn` repeatedly for about `ms` milliseconds; returns calls per second. */
function rate(fn: () => void, ms = 400): number {
  fn() // warm-up
  let n = 0
  const start = process.hrtime.bigint()
  const limit = BigInt(ms) * 1_000_000n
  let elapsed = 0n
  while (elapsed < limit) {
    fn()
    n++
    elapsed = process.hrtime.bigint() - start
  }
  return n / (Number(elapsed) / 1e9)
}

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'.split(' ')

/** Deterministic PRNG so every run measures the same bytes. */
function prng(seed: number): () => number {
  let x = seed | 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}

/** ~1 KiB JSON documents with varied but repetitive content, like typical event payloads. */
function jsonValue(i: number): Buffer {
  const rnd = prng(i + 1)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const doc: { [k: string]: unknown } = {
    id: `evt-${i.toString(16).padStart(8, '0')}`,
    type: pick(['page_view', 'click', 'purchase', 'signup']),
    user: { id: Math.floor(rnd() * 1e6), country: pick(['DE', 'US', 'FR', 'JP', 'BR']), plan: pick(['free', 'pro', 'team']) },
    ts: 1_700_000_000_000 + i * 13,
    path: `/products/${Math.floor(rnd() * 1e4)}/reviews?page=${Math.floor(rnd() * 20)}`,
    session: Math.floor(rnd() * 2 ** 52).toString(36),
    metrics: Array.from({ length: 10 }, () => Math.round(rnd() * 1e6) / 1e3),
    text: '',
  }
  const words: string[] = []
  while (JSON.stringify(doc).length + words.join(' ').length < 1020) words.push(pick(WORDS))
  doc.text = words.join(' ')
  return Buffer.from(JSON.stringify(doc))
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits).padStart(8)

export async function runRecordsBench(): Promise<void> {
  const mib = 1024 * 1024
  const crcBuf = Buffer.alloc(mib)
  for (let i = 0; i < crcBuf.length; i++) crcBuf[i] = (i * 2654435761) >>> 24
  const crcPerSec = rate(() => crc32c(crcBuf))
  console.log(`crc32c (1 MiB buffers): ${fmt((crcPerSec * mib) / 1e9, 2)} GB/s`)

  const records = Array.from({ length: 1000 }, (_, i) => ({ key: Buffer.from(`user-${i % 97}`), value: jsonValue(i) }))
  const plain = buildRecordBatch({ records, baseTimestamp: 1_700_000_000_000 })
  const section = plain.subarray(61)
  console.log(`records section: ${records.length} records, ${(section.length / 1024).toFixed(0)} KiB uncompressed`)
  console.log('codec       ratio   compress MB/s   decompress MB/s')
  for (let id = 1; id <= 4; id++) {
    const codec = getCodec(id)
    const packed = codec.compress(section)
    const c = rate(() => codec.compress(section))
    const d = rate(() => codec.decompress(packed, 2 * section.length))
    const ratio = section.length / packed.length
    console.log(`${codec.name.padEnd(8)} ${fmt(ratio, 2)} ${fmt((c * section.length) / 1e6)}       ${fmt((d * section.length) / 1e6)}`)
  }

  for (const id of [0, 4]) {
    const batch = buildRecordBatch({ records, compression: id, baseTimestamp: 1_700_000_000_000 })
    const build = rate(() => buildRecordBatch({ records, compression: id, baseTimestamp: 1_700_000_000_000 }))
    const decode = rate(() => decodeRecordBatch(batch))
    const name = getCodec(id).name
    console.log(
      `batch ${name.padEnd(5)} build ${fmt((build * records.length) / 1e6, 2)} M records/s   decode ${fmt((decode * records.length) / 1e6, 2)} M records/s`,
    )
  }
}

export const run = runRecordsBench

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runRecordsBench()
