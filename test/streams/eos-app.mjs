// A streams application process for the exactly-once test: counts records per key from `in` to
// `out` under exactly_once_v2 and prints its state changes (RUNNING among them). It prints READY
// once loaded and starts when a line arrives on stdin, so the test can load the next incarnation
// while the current one runs. The test kills it with SIGKILL; SIGTERM closes it cleanly. Plain JavaScript so that under `npm test`
// (SAMSA_TEST_BUILT=1) it runs the build without compiling TypeScript at every start.
const built = process.env.SAMSA_TEST_BUILT === '1'
const { KafkaStreams, Serdes, StreamsBuilder } = await import(built ? '../../dist/src/streams/index.js' : '../../src/streams/index.ts')

const [bootstrap, stateDir, input, output] = process.argv.slice(2)
const S = Serdes.String()
const b = new StreamsBuilder()
b.stream(input, { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'eos-counts' }).toStream().to(output, { keySerde: S, valueSerde: Serdes.Long() })
const app = new KafkaStreams(b.build(), {
  applicationId: 'eos-app', bootstrapServers: bootstrap, stateDir, processingGuarantee: 'exactly_once_v2', commitIntervalMs: 50,
  // Record cache off: every count is forwarded, so the test can check each key's counts are exactly 1, 2, ..., n.
  stateStoreCacheMaxBytes: 0,
  groupInstanceId: 'eos-app-instance', sessionTimeoutMs: 6000, heartbeatIntervalMs: 200, log: (m) => process.stderr.write(`${m}\n`),
})
app.setStateListener((s) => process.stdout.write(`${s}\n`))
app.setUncaughtExceptionHandler((err) => process.stderr.write(`ERROR ${err.stack}\n`))
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
process.stdout.write('READY\n')
process.stdin.once('data', () => void app.start().catch((err) => process.stderr.write(`ERROR ${err.stack}\n`)))
