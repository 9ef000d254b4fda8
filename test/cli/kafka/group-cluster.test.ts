// `samsa group ...` and `samsa cluster info` as real processes: list, describe (members,
// committed offsets, log end, lag, total lag), reset-offsets (dry run, then --execute), delete.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin, Consumer, Producer } from '../../../src/client/index.ts'
import { cliBroker, ok, okJson } from './helpers.ts'

interface Described {
  groupId: string
  state: string
  members: { memberId: string; clientId: string; assignment: { topic: string; partition: number }[] }[]
  partitions: { topic: string; partition: number; committedOffset: number | null; logEndOffset: number; lag: number | null; memberId: string | null }[]
  totalLag: number
}

test('group list, describe, reset-offsets, delete; cluster info', { timeout: 60_000 }, async () => {
  const broker = await cliBroker()
  const b = ['-b', broker.bootstrap]
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  const producer = new Producer({ bootstrapServers: broker.bootstrap })
  let member: Consumer | null = null
  try {
    await admin.createTopics([{ topic: 'orders', numPartitions: 2 }])
    await producer.sendBatch([0, 1, 2, 3, 4].map((i) => ({ topic: 'orders', partition: i % 2, value: `o${i}` })))
    // 'idle' committed 1 of 3 in partition 0 and 2 of 2 in partition 1: lag 2.
    await admin.setGroupOffsets('idle', [{ topic: 'orders', partition: 0, offset: 1 }, { topic: 'orders', partition: 1, offset: 2 }])
    // 'live' has a member holding both partitions.
    member = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'live', clientId: 'live-client', autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000 })
    member.subscribe('orders')
    const it = member[Symbol.asyncIterator]()
    await it.next()

    const [listTable, listJson, idleTable, idle, live, cluster, clusterTable] = await Promise.all([
      ok(['group', 'list', ...b]),
      okJson(['group', 'list', ...b]),
      ok(['group', 'describe', 'idle', ...b]),
      okJson<Described>(['group', 'describe', 'idle', ...b]),
      okJson<Described>(['group', 'describe', 'live', ...b]),
      okJson<{ clusterId: string; controllerId: number; brokers: { id: number; host: string; port: number; rack: string | null; listener: string }[] }>(['cluster', 'info', ...b]),
      ok(['cluster', 'info', ...b]),
    ])
    assert.match(listTable, /^GROUP +STATE +PROTOCOL-TYPE$/m)
    assert.match(listTable, /^idle +Empty +-$/m)
    assert.match(listTable, /^live +Stable +consumer$/m)
    assert.deepEqual(listJson, [{ groupId: 'idle', protocolType: '', state: 'Empty' }, { groupId: 'live', protocolType: 'consumer', state: 'Stable' }])
    assert.match(idleTable, /^group idle {2}state Empty .* total lag 2$/m)
    assert.match(idleTable, /^orders +0 +1 +3 +2 +-$/m)
    assert.match(idleTable, /^orders +1 +2 +2 +0 +-$/m)
    assert.equal(idle.totalLag, 2)
    assert.deepEqual(idle.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag]), [[0, 1, 3, 2], [1, 2, 2, 0]])
    assert.equal(live.state, 'Stable')
    assert.equal(live.members.length, 1)
    assert.equal(live.members[0]!.clientId, 'live-client')
    assert.deepEqual(live.members[0]!.assignment, [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }])
    assert.ok(live.partitions.every((p) => p.memberId === live.members[0]!.memberId), 'each partition names its member')
    assert.equal(typeof cluster.clusterId, 'string')
    assert.equal(cluster.controllerId, 1)
    assert.deepEqual(cluster.brokers.map((x) => [x.id, x.listener, x.rack]), [[1, broker.bootstrap, null]])
    assert.match(clusterTable, new RegExp(`^cluster id {2}${cluster.clusterId}$`, 'm'))
    assert.match(clusterTable, new RegExp(`^1 +${broker.bootstrap.replace(/\./g, '\\.')} +- +yes$`, 'm'))

    const [dry, datetime, active] = await Promise.all([
      ok(['group', 'reset-offsets', 'idle', '--topic', 'orders', '--to-earliest', ...b]),
      okJson<{ executed: boolean; partitions: { partition: number; newOffset: number }[] }>(['group', 'reset-offsets', 'idle', '--topic', 'orders', '--to-datetime', new Date(Date.now() + 3_600_000).toISOString(), ...b]),
      (async () => {
        const { samsa } = await import('./helpers.ts')
        return samsa(['group', 'reset-offsets', 'live', '--topic', 'orders', '--to-latest', '--execute', ...b])
      })(),
    ])
    assert.equal(dry, 'TOPIC   PARTITION  CURRENT  NEW\norders  0          1        0\norders  1          2        0\n')
    assert.equal(datetime.executed, false)
    assert.deepEqual(datetime.partitions.map((p) => p.newOffset), [3, 2], 'a time after the last record is the end')
    assert.equal(active.code, 1)
    assert.match(active.stderr, /^samsa group reset-offsets: group 'live' has active members \(state Stable\); stop its consumers before --execute\n$/)
    assert.deepEqual((await admin.groupOffsets('idle')).map((o) => o.offset), [1, 2], 'the dry run changed nothing')

    const executed = await okJson<{ executed: boolean }>(['group', 'reset-offsets', 'idle', '--topic', 'orders', '--to-offset', '1', '--execute', ...b])
    assert.equal(executed.executed, true)
    assert.deepEqual((await admin.groupOffsets('idle')).map((o) => o.offset), [1, 1])

    assert.equal(await ok(['group', 'delete', 'idle', ...b]), 'deleted group idle\n')
    assert.deepEqual((await admin.listGroups()).map((g) => g.groupId), ['live'])
  } finally {
    await member?.close()
    await producer.close()
    await admin.close()
    await broker.close()
  }
})
