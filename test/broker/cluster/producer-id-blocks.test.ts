// Producer ids in a cluster: brokers take blocks of ids from one store key by compare-and-swap, so
// ids handed out concurrently by several brokers (and after restarts) are never the same.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryMetadataStore } from '../../../src/broker/cluster/store/memory-store.ts'
import { PRODUCER_IDS_KEY, StoreProducerIdBlocks } from '../../../src/broker/cluster/producer-id-blocks.ts'

test('producer id blocks from the store: concurrent brokers and restarts never share an id', async () => {
  const store = new MemoryMetadataStore({ clock: { now: () => 0 } })
  try {
    const brokers = [new StoreProducerIdBlocks(store), new StoreProducerIdBlocks(store), new StoreProducerIdBlocks(store)]
    const ids = await Promise.all(Array.from({ length: 3000 }, (_, i) => brokers[i % 3]!.next()))
    assert.equal(new Set(ids).size, ids.length, 'all distinct')
    // A "restarted" broker starts from a fresh block past every block handed out.
    const restarted = await new StoreProducerIdBlocks(store).next()
    assert.ok(restarted > Math.max(...ids))
    const kv = (await store.range(PRODUCER_IDS_KEY)).kvs[0]!
    assert.equal(JSON.parse(kv.value).nextBlockStart, restarted + 1000)
  } finally {
    await store.close()
  }
})
