// A consumer process for the prefetch memory test (and `npm run bench -- client-memory`): it reads
// `totalBytes` of record values from a topic as fast as it can, starting over from the beginning
// whenever it reaches the end, and reports its resident set size. First it stalls after one
// message until the fetcher has run as far ahead as the prefetch settings let it (or has the
// whole topic), which is when an unbounded prefetch would show. It prints READY once loaded and
// starts when a line arrives on stdin (so it can load while the topic is written); at the end it
// prints one JSON line.
// Plain JavaScript so that under `npm test` (SAMSA_TEST_BUILT=1) it runs the build.
const built = process.env.SAMSA_TEST_BUILT === '1'
const { Consumer } = await import(built ? '../../dist/src/client/index.js' : '../../src/client/index.ts')

const [bootstrap, topic, partitionsArg, recordsArg, recordSizeArg, totalBytesArg, prefetchArg, partitionFetchArg, fetchMaxArg] = process.argv.slice(2)
const partitions = Array.from({ length: Number(partitionsArg) }, (_, partition) => ({ topic, partition }))
const records = Number(recordsArg)
const topicBytes = records * Number(recordSizeArg)
const totalBytes = Number(totalBytesArg)
const maxPrefetchBytes = Number(prefetchArg)
const rss = () => process.memoryUsage.rss()
let atPeak = null
const sample = () => {
  const r = rss()
  if (r > peak) {
    peak = r
    atPeak = process.memoryUsage()
  }
}

process.stdout.write('READY\n')
await new Promise((resolve) => process.stdin.once('data', resolve))
process.stdin.pause()
globalThis.gc?.()
const baseline = rss()
let peak = baseline
const consumer = new Consumer({
  bootstrapServers: bootstrap, maxPrefetchBytes, maxPartitionFetchBytes: Number(partitionFetchArg), fetchMaxBytes: Number(fetchMaxArg),
  // At the end of the topic a fetch waits this long for new data while the reader starts over.
  fetchMaxWaitMs: 20,
})
consumer.assign(partitions)
for (const tp of partitions) consumer.seek({ ...tp, offset: 0 })
const it = consumer[Symbol.asyncIterator]()
let bytes = 0
let messages = 0
const first = await it.next()
bytes += first.value.value.length
messages++

// Stall: wait (on the fetcher's progress, polled) until it stops short of the bound or holds the topic.
const target = Math.min(maxPrefetchBytes, topicBytes - bytes) * 0.9
const stallDeadline = Date.now() + 10_000
let prefetched = 0
while ((prefetched = consumer.metrics().prefetchedBytes) < target && Date.now() < stallDeadline) {
  sample()
  await new Promise((r) => setTimeout(r, 5))
}
sample()
const stallPeak = peak

// As fast as possible, starting over at the end of the topic, until totalBytes are read.
const t0 = performance.now()
let passes = 0
let inPass = 1
while (bytes < totalBytes) {
  const r = await it.next()
  if (r.done) break
  bytes += r.value.value.length
  messages++
  if ((messages & 15) === 0) sample()
  // The whole topic read: read it again from the beginning.
  if (++inPass === records) {
    passes++
    inPass = 0
    for (const tp of partitions) consumer.seek({ ...tp, offset: 0 })
  }
}
const ms = performance.now() - t0
sample()
await consumer.close()
process.stdout.write(`${JSON.stringify({ baseline, peak, stallPeak, prefetched, bytes, messages, passes, ms, atPeak })}\n`)
