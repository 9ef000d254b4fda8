// TxnMarkerChannelManager over fake brokers: partitions grouped per leader, local ones appended
// directly, retriable errors and connection failures retried against the leader of the moment,
// moot and deleted partitions done, and sending abandoned once this broker stops coordinating.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../../../../src/protocol/errors.ts'
import { MarkersAbandonedError, TxnMarkerChannelManager } from '../../../../src/broker/coordinator/txn/txn-marker-channel-manager.ts'
import type { MarkerResult, TxnMarker } from '../../../../src/broker/coordinator/txn/txn-marker-append.ts'
import type { MetadataImage } from '../../../../src/broker/cluster/metadata-image.ts'
import type { TopicPartition } from '../../../../src/broker/coordinator/txn/txn-metadata.ts'

const MARKER: TxnMarker = { producerId: 7, producerEpoch: 1, commit: true, coordinatorEpoch: 3 }

class World {
  leaders = new Map<string, number>()
  live = new Set([0, 1, 2])
  coordinator = true
  calls: string[] = []
  /** Per call: how broker `id` answers partition `tp` (default NONE), or throws. */
  answer: (id: number, tp: TopicPartition) => number = () => ErrorCode.NONE
  down = new Set<number>()
  rounds = 0

  image(): MetadataImage {
    return {
      partition: (topic: string, index: number) => {
        const l = this.leaders.get(`${topic}-${index}`)
        return l === undefined ? undefined : { leader: l }
      },
      brokers: { has: (id: number) => this.live.has(id) },
    } as unknown as MetadataImage
  }

  reply(id: number, tps: readonly TopicPartition[]): MarkerResult[] {
    this.calls.push(`${id}:${tps.map((t) => `${t.topic}-${t.partition}`).join(',')}`)
    return tps.map((tp) => ({ ...tp, errorCode: this.answer(id, tp) }))
  }

  manager(onSleep: () => void = () => {}): TxnMarkerChannelManager {
    return new TxnMarkerChannelManager({
      nodeId: 0,
      image: () => this.image(),
      appendLocal: async (_m, tps) => this.reply(0, tps),
      sendRemote: async (id, _m, tps) => {
        if (this.down.has(id)) throw new Error(`connecting to broker ${id} failed`)
        return this.reply(id, tps)
      },
      stillCoordinator: () => this.coordinator,
      sleep: async () => {
        this.rounds++
        onSleep()
      },
    }, { initialMs: 1, maxMs: 1 })
  }
}

const tps = (...names: string[]): TopicPartition[] => names.map((n) => ({ topic: n.split('-')[0]!, partition: Number(n.split('-')[1]) }))

describe('TxnMarkerChannelManager', () => {
  it('one request per leader; the local leader without a request', async () => {
    const w = new World()
    w.leaders = new Map([['a-0', 0], ['a-1', 1], ['b-0', 1], ['b-1', 2]])
    await w.manager().writeMarkers('tx', MARKER, tps('a-0', 'a-1', 'b-0', 'b-1'))
    assert.deepEqual(w.calls.sort(), ['0:a-0', '1:a-1,b-0', '2:b-1'])
    assert.equal(w.rounds, 0)
  })

  it('NOT_LEADER_OR_FOLLOWER: retried at the new leader once the image moves it', async () => {
    const w = new World()
    w.leaders = new Map([['a-0', 1]])
    w.answer = (id) => (id === 1 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.NONE)
    await w.manager(() => {
      if (w.rounds === 2) w.leaders.set('a-0', 2)
    }).writeMarkers('tx', MARKER, tps('a-0'))
    assert.deepEqual(w.calls, ['1:a-0', '1:a-0', '2:a-0'])
  })

  it('a dead leader (connection refused, then no leader) is retried until another leads', async () => {
    const w = new World()
    w.leaders = new Map([['a-0', 2], ['a-1', 1]])
    w.down.add(2)
    await w.manager(() => {
      if (w.rounds === 1) {
        w.live.delete(2)
        w.leaders.set('a-0', -1)
      }
      if (w.rounds === 3) w.leaders.set('a-0', 1)
    }).writeMarkers('tx', MARKER, tps('a-0', 'a-1'))
    assert.deepEqual(w.calls, ['1:a-1', '1:a-0'], 'a-1 written once; a-0 only when broker 1 leads it')
    assert.equal(w.rounds, 3)
  })

  it('NOT_ENOUGH_REPLICAS and REQUEST_TIMED_OUT are retried; fenced epochs and deleted topics are done', async () => {
    const w = new World()
    w.leaders = new Map([['a-0', 1], ['a-1', 1], ['a-2', 2]])
    const seen = new Map<string, number>()
    w.answer = (_id, tp) => {
      const k = `${tp.topic}-${tp.partition}`
      seen.set(k, (seen.get(k) ?? 0) + 1)
      if (k === 'a-0') return seen.get(k)! < 3 ? ErrorCode.NOT_ENOUGH_REPLICAS : ErrorCode.NONE
      if (k === 'a-1') return ErrorCode.TRANSACTION_COORDINATOR_FENCED
      return seen.get(k)! < 2 ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.INVALID_PRODUCER_EPOCH
    }
    await w.manager().writeMarkers('tx', MARKER, tps('a-0', 'a-1', 'a-2', 'gone-0'))
    assert.deepEqual(Object.fromEntries(seen), { 'a-0': 3, 'a-1': 1, 'a-2': 2 })
  })

  it('abandoned when this broker stops coordinating the transactional id, or closes', async () => {
    const w = new World()
    w.leaders = new Map([['a-0', 1]])
    w.answer = () => ErrorCode.NOT_LEADER_OR_FOLLOWER
    await assert.rejects(w.manager(() => {
      if (w.rounds === 2) w.coordinator = false
    }).writeMarkers('tx', MARKER, tps('a-0')), MarkersAbandonedError)
    assert.equal(w.calls.length, 2)
    const m = w.manager(() => m.close())
    w.coordinator = true
    await assert.rejects(m.writeMarkers('tx', MARKER, tps('a-0')), /shutting down/)
  })
})
