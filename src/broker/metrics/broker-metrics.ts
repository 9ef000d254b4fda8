// The broker's Prometheus metrics (prom-client, one Registry per broker so that several brokers
// in one process do not share counters). The request path only bumps plain numbers and bound
// histogram children; everything derived from state (partitions, offsets, lag) is computed when
// /metrics is scraped, so an unscraped broker pays almost nothing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { API_SPECS } from '../../protocol/generated/api-keys.ts'

/** Request latency buckets in seconds: sub-millisecond answers up to long polls. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

interface TopicTraffic {
  bytesIn: number
  messagesIn: number
  bytesOut: number
}

export class BrokerMetrics {
  readonly registry = new Registry()
  private readonly latency: Histogram<'api'>
  /** Histogram children bound per api key: observe() does no label lookup. */
  private readonly latencyByApi: (ReturnType<Histogram<'api'>['labels']> | undefined)[] = []
  private readonly rejected: Counter<'api'>
  private readonly traffic = new Map<string, TopicTraffic>()

  constructor(connections: () => number) {
    collectDefaultMetrics({ register: this.registry })
    this.latency = new Histogram({
      name: 'samsa_request_duration_seconds',
      help: 'Time from a decoded request to its encoded response, per API.',
      labelNames: ['api'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    })
    this.rejected = new Counter({
      name: 'samsa_requests_rejected_total',
      help: 'Requests answered by closing the connection (undecodable, unsupported version, handler failure), per API.',
      labelNames: ['api'],
      registers: [this.registry],
    })
    const traffic = this.traffic
    const perTopic = (name: string, help: string, field: keyof TopicTraffic) => new Counter({
      name, help, labelNames: ['topic'], registers: [this.registry],
      collect() {
        this.reset()
        for (const [topic, t] of traffic) this.inc({ topic }, t[field])
      },
    })
    perTopic('samsa_topic_bytes_in_total', 'Record batch bytes appended by producers, per topic.', 'bytesIn')
    perTopic('samsa_topic_messages_in_total', 'Records appended by producers, per topic.', 'messagesIn')
    perTopic('samsa_topic_bytes_out_total', 'Record batch bytes returned to consumers and followers, per topic.', 'bytesOut')
    new Gauge({
      name: 'samsa_connections', help: 'Open client connections.', registers: [this.registry],
      collect() { this.set(connections()) },
    })
  }

  /** A request answered (or about to be): `seconds` since it was decoded. */
  requestDone(apiKey: number, seconds: number): void {
    let child = this.latencyByApi[apiKey]
    if (!child) child = this.latencyByApi[apiKey] = this.latency.labels(API_SPECS[apiKey]?.name ?? String(apiKey))
    child.observe(seconds)
  }

  requestRejected(apiKey: number): void {
    this.rejected.inc({ api: API_SPECS[apiKey]?.name ?? String(apiKey) })
  }

  produced(topic: string, bytes: number, records: number): void {
    const t = this.topic(topic)
    t.bytesIn += bytes
    t.messagesIn += records
  }

  fetched(topic: string, bytes: number): void {
    this.topic(topic).bytesOut += bytes
  }

  /** Forgets a deleted topic's counters. */
  topicDeleted(topic: string): void {
    this.traffic.delete(topic)
  }

  private topic(name: string): TopicTraffic {
    let t = this.traffic.get(name)
    if (!t) this.traffic.set(name, t = { bytesIn: 0, messagesIn: 0, bytesOut: 0 })
    return t
  }
}
