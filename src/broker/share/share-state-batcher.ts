// One share-state request per coordinator node and group instead of one per share-partition (as
// Kafka's PersisterStateManager combines them): the persister hands each partition's part of a
// ReadShareGroupState / WriteShareGroupState to `add`; parts for the same node, API, version and
// group that arrive in one turn of the event loop go out together, grouped by topic, and each
// caller gets its own partition's result back from the answer. A second part for a partition
// already in the batch sends the batch first (the earlier state must not be overtaken), as does
// a batch reaching MAX_PARTITIONS. A failed send fails every part of it (the persister retries).

/** How many partitions one request carries at most. */
export const MAX_PARTITIONS = 1000

export type SendFn = (node: number, apiKey: number, version: number, body: unknown) => Promise<unknown>

interface Part {
  readonly topicId: string
  readonly data: { readonly partition: number }
  readonly resolve: (r: unknown) => void
  readonly reject: (err: unknown) => void
}

interface Batch {
  readonly node: number
  readonly apiKey: number
  readonly version: number
  readonly groupId: string
  readonly parts: Part[]
  readonly keys: Set<string>
}

interface BatchedResponse {
  readonly results: readonly { readonly topicId: string, readonly partitions: readonly { readonly partition: number }[] }[]
}

export class ShareStateBatcher {
  private readonly open = new Map<string, Batch>()
  /** Requests sent and partitions they carried (metrics, tests). */
  sent = 0
  partitionsSent = 0

  constructor(private readonly send: SendFn) {}

  /** Sends `data` (one partition of `topicId`) in the next request of its kind; resolves with its result, undefined when the answer lacks it. */
  add<R extends { partition: number }>(node: number, apiKey: number, version: number, groupId: string, topicId: string, data: { readonly partition: number, readonly [field: string]: unknown }): Promise<R | undefined> {
    const k = `${node}\u0000${apiKey}\u0000${version}\u0000${groupId}`
    let b = this.open.get(k)
    const partKey = `${topicId}\u0000${data.partition}`
    if (b && b.keys.has(partKey)) {
      this.flush(k, b)
      b = undefined
    }
    if (!b) {
      const created: Batch = { node, apiKey, version, groupId, parts: [], keys: new Set() }
      this.open.set(k, created)
      setImmediate(() => { if (this.open.get(k) === created) this.flush(k, created) })
      b = created
    }
    const batch = b
    return new Promise<R | undefined>((resolve, reject) => {
      batch.parts.push({ topicId, data, resolve: resolve as (r: unknown) => void, reject })
      batch.keys.add(partKey)
      if (batch.parts.length >= MAX_PARTITIONS) this.flush(k, batch)
    })
  }

  private flush(k: string, b: Batch): void {
    if (this.open.get(k) === b) this.open.delete(k)
    const topics = new Map<string, { partition: number }[]>()
    for (const p of b.parts) {
      const list = topics.get(p.topicId)
      if (list) list.push(p.data)
      else topics.set(p.topicId, [p.data])
    }
    this.sent++
    this.partitionsSent += b.parts.length
    const body = { groupId: b.groupId, topics: [...topics].map(([topicId, partitions]) => ({ topicId, partitions })) }
    this.send(b.node, b.apiKey, b.version, body).then((res) => {
      const byKey = new Map<string, { partition: number }>()
      for (const t of (res as BatchedResponse).results) for (const p of t.partitions) byKey.set(`${t.topicId}\u0000${p.partition}`, p)
      for (const p of b.parts) p.resolve(byKey.get(`${p.topicId}\u0000${p.data.partition}`))
    }, (err: unknown) => {
      for (const p of b.parts) p.reject(err)
    })
  }
}
