// A 3-broker embedded cluster (startCluster over the memory store) in its own process, for
// `npm run bench -- cluster`: prints one JSON line {ports} once ready, closes on SIGTERM.
import { startCluster } from '../src/broker/index.ts'

const brokers = Number(process.argv[2] ?? 3)
const cluster = await startCluster({ brokers, config: { 'log.flush.interval.messages': Number.MAX_SAFE_INTEGER } })
console.log(JSON.stringify({ ports: cluster.brokers.map((b) => b.port) }))
process.once('SIGTERM', () => {
  void cluster.close().then(() => process.exit(0))
})
