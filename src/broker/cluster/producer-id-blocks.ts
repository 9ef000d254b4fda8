// Producer ids in a cluster: every broker's transaction coordinator takes blocks of 1000 ids from
// one metadata-store key, `/producer-ids` = {"nextBlockStart": N}, moved forward by a
// compare-and-swap on its mod revision (Kafka's AllocateProducerIds through the controller), so no
// two brokers ever hand out the same id. A lost swap, or a failed call that may have committed,
// re-reads the key before trying again: a block may be skipped, never given twice.
import type { ProducerIdSource } from '../coordinator/txn/producer-id-manager.ts'
import type { MetadataStore } from './store/metadata-store.ts'

export const PRODUCER_IDS_KEY = '/producer-ids'
const BLOCK = 1000
const MAX_TRIES = 100

export class StoreProducerIdBlocks implements ProducerIdSource {
  private nextId = 0
  private blockEnd = 0
  private chain: Promise<unknown> = Promise.resolve()

  constructor(private readonly store: MetadataStore) {}

  next(): Promise<number> {
    const p = this.chain.then(async () => {
      if (this.nextId >= this.blockEnd) await this.allocate()
      return this.nextId++
    })
    this.chain = p.catch(() => {})
    return p
  }

  private async allocate(): Promise<void> {
    for (let i = 0; i < MAX_TRIES; i++) {
      const kv = (await this.store.range(PRODUCER_IDS_KEY)).kvs.find((k) => k.key === PRODUCER_IDS_KEY)
      const start = kv ? Number((JSON.parse(kv.value) as { nextBlockStart?: unknown }).nextBlockStart) : 0
      if (!Number.isSafeInteger(start) || start < 0) throw new Error(`${PRODUCER_IDS_KEY} holds no valid nextBlockStart: ${kv?.value}`)
      const r = await this.store.txn({
        compare: [{ key: PRODUCER_IDS_KEY, target: 'modRevision', equals: kv?.modRevision ?? 0 }],
        success: [{ type: 'put', key: PRODUCER_IDS_KEY, value: JSON.stringify({ nextBlockStart: start + BLOCK }) }],
      }).catch(() => ({ succeeded: false }))
      if (r.succeeded) {
        this.nextId = start
        this.blockEnd = start + BLOCK
        return
      }
    }
    throw new Error('could not allocate a block of producer ids (the metadata store kept changing)')
  }
}
