// Job descriptions the orchestrator (bench/broker.ts) sends to a load generator process, and the
// results it gets back. Plain JSON: they cross a process boundary.

/** `--tls`: the job connects to a SASL_SSL listener (TLS, then SASL/PLAIN). */
export interface ConnSecurity {
  /** The CA certificate (PEM) the broker's certificate chains to. */
  ca: string
  username: string
  password: string
}

export interface ProduceJob {
  security?: ConnSecurity
  kind: 'produce'
  host: string
  port: number
  topic: string
  partitions: number
  recordBytes: number
  acks: number
  /** Bytes of record values per RecordBatch (one batch per partition per request). */
  batchBytes: number
  /** Batches (each for a different partition, round robin) per Produce request. */
  batchesPerRequest: number
  /** Produce requests in flight on the connection. */
  inFlight: number
  warmupMs: number
  durationMs: number
  /** Stop early once this many value bytes were acknowledged (bounds disk use). */
  maxBytes: number
}

export interface ConsumeJob {
  security?: ConnSecurity
  kind: 'consume'
  host: string
  port: number
  topic: string
  partitions: number
  recordBytes: number
  /** max.partition.fetch.bytes */
  partitionMaxBytes: number
  /** fetch.max.bytes */
  maxBytes: number
  /** Decode every record (a full client) rather than checking batch headers and CRCs only. */
  decodeRecords: boolean
}

export interface LatencyJob {
  security?: ConnSecurity
  kind: 'latency'
  host: string
  port: number
  topic: string
  recordBytes: number
  acks: number
  ratePerSec: number
  warmupMs: number
  durationMs: number
}

export interface SinkBlastJob {
  kind: 'blast'
  host: string
  port: number
  writeBytes: number
  durationMs: number
}

export type Job = ProduceJob | ConsumeJob | LatencyJob | SinkBlastJob

/** Throughput over the measured window, plus the load generator's own CPU use in it. */
export interface RateResult {
  messages: number
  /** Record value bytes (what a user sent), the usual unit of producer/consumer benchmarks. */
  valueBytes: number
  /** Bytes on the wire (frames), for comparison with the TCP ceiling. */
  wireBytes: number
  ms: number
  /** Load generator CPU time (user + system) in the window, ms. */
  cpuMs: number
  requests: number
  errors: number
  firstError?: string
}

export interface LatencyResult {
  samples: number
  /** Produce-to-consume latencies, ms. */
  p50: number
  p99: number
  p999: number
  max: number
  /** Send-to-acknowledgement latencies of the Produce requests, ms. */
  ackP50: number
  ackP99: number
  achievedRate: number
  cpuMs: number
  ms: number
  errors: number
  firstError?: string
}
