// Transactions against a real broker: read_committed consumers see committed records only,
// offsets sent in a transaction commit with it, and a second producer with the same
// transactional id fences the first (a typed, non-retriable PRODUCER_FENCED-class error).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, KafkaClientError, Producer } from '../../src/client/index.ts'
import { iterate, take, testBroker, topicName } from './helpers.ts'

test('commit is visible to read_committed, abort is not; offsets commit with the transaction', { timeout: 20_000 }, async () => {
  const broker = await testBroker()
  const topic = topicName('txn')
  const producer = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'tx-a' })
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    await assert.rejects(producer.send({ topic, value: 'outside' }), (e: unknown) => e instanceof KafkaClientError && e.errorName === 'INVALID_TXN_STATE')
    await producer.transaction(async () => {
      await producer.send({ topic, value: 'c1' })
      await producer.send({ topic, value: 'c2' })
    })
    await producer.beginTransaction()
    void producer.send({ topic, value: 'aborted' })
    await producer.abortTransaction()
    await producer.beginTransaction()
    await producer.send({ topic, value: 'c3' })
    await producer.sendOffsets({ groupId: 'txn-group' }, [{ topic, partition: 0, offset: 2 }])
    assert.deepEqual((await admin.groupOffsets('txn-group')).map((o) => o.offset), [])
    await producer.commitTransaction()
    assert.deepEqual((await admin.groupOffsets('txn-group')).map((o) => o.offset), [2])

    const committed = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest', isolationLevel: 'read_committed' })
    committed.assign([{ topic, partition: 0 }])
    assert.deepEqual((await take(iterate(committed), 3)).map((m) => m.value!.toString()), ['c1', 'c2', 'c3'])
    await committed.close()
    const all = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest' })
    all.assign([{ topic, partition: 0 }])
    assert.deepEqual((await take(iterate(all), 4)).map((m) => m.value!.toString()), ['c1', 'c2', 'aborted', 'c3'])
    await all.close()
  } finally {
    await admin.close()
    await producer.close()
    await broker.close()
  }
})

test('prepareTransaction adds partitions and a group ahead of their records: a prepared, unwritten partition gets the commit marker', { timeout: 20_000 }, async () => {
  const broker = await testBroker()
  const topic = topicName('txn-prep')
  const producer = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'tx-prep' })
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    await admin.createTopics([{ topic, numPartitions: 3 }])
    await producer.beginTransaction()
    producer.prepareTransaction([{ topic, partition: 0 }, { topic, partition: 1 }], 'prep-group')
    await producer.send({ topic, partition: 0, value: 'x' })
    const inTxn = producer.transactionPartitions().map((tp) => `${tp.topic}-${tp.partition}`).sort()
    assert.deepEqual(inTxn, [`${topic}-0`, `${topic}-1`])
    await producer.sendOffsets({ groupId: 'prep-group' }, [{ topic, partition: 0, offset: 1 }])
    await producer.commitTransaction()
    assert.deepEqual(producer.transactionPartitions(), [])
    // Partition 1 had no record but was in the transaction (its commit marker is there); partition 2 was not.
    const ends = await admin.listOffsets([0, 1, 2].map((partition) => ({ topic, partition })))
    assert.deepEqual(ends.sort((a, b) => a.partition - b.partition).map((o) => o.offset), [2, 1, 0])
    assert.deepEqual((await admin.groupOffsets('prep-group')).map((o) => o.offset), [1])
  } finally {
    await admin.close()
    await producer.close()
    await broker.close()
  }
})

test('a second producer with the same transactional id fences the first', { timeout: 20_000 }, async () => {
  const broker = await testBroker()
  const topic = topicName('fence')
  const first = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'tx-f' })
  const second = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'tx-f' })
  try {
    await first.beginTransaction()
    await first.send({ topic, value: 'from first' })
    await second.beginTransaction() // InitProducerId bumps the epoch and aborts first's transaction
    await assert.rejects(first.commitTransaction(), (e: unknown) => {
      assert.ok(e instanceof KafkaClientError)
      assert.ok(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'].includes(e.errorName), e.errorName)
      assert.equal(e.retriable, false)
      return true
    })
    await assert.rejects(first.beginTransaction())
    await second.send({ topic, value: 'from second' })
    await second.commitTransaction()
  } finally {
    await first.close().catch(() => {})
    await second.close()
    await broker.close()
  }
})
