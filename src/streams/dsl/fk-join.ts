// Foreign-key table-table joins (KIP-213's design): the left table's rows subscribe to the right
// row their foreign key names, through a subscription topic partitioned like the right table; the
// right side keeps the subscriptions in a store and answers each (and every later change of the
// right row) on a response topic partitioned like the left table; the left side joins an answer
// only if it still matches the row's current value (a hash of its bytes), so answers to values
// since replaced are dropped. The result is materialized so that a change retracts its old value;
// nothing is forwarded when a key had no result and still has none.
import { createHash } from 'node:crypto'
import type { RecordHeader } from '../../client/index.ts'
import type { Change, ProcessorContext, ProcessorSupplier } from '../processor/api.ts'
import { Serdes } from '../serdes.ts'
import type { Serde } from '../serdes.ts'
import type { KeyValueStore, ValueAndTimestamp } from '../state/kv-store.ts'
import { Stores } from '../state/stores.ts'
import { KTable } from './ktable.ts'
import type { Getter } from './table-ops.ts'
import type { Materialized, ValueJoiner } from './options.ts'

const enum Instruction { DeleteAndPropagate = 0, DeleteNoPropagate = 1, PropagateNullIfNoValue = 2, PropagateOnlyIfValue = 3 }

const hashOf = (b: Buffer | null): Buffer | null => (b === null ? null : createHash('md5').update(b).digest())
const sameHash = (a: Buffer | null, b: Buffer | null): boolean => (a === null ? b === null : b !== null && a.equals(b))

function encodeSubscription(instr: Instruction, hash: Buffer | null, pk: Buffer): Buffer {
  return Buffer.concat([Buffer.from([instr, hash === null ? 0 : 1]), hash ?? Buffer.alloc(16), pk])
}

function decodeSubscription(b: Buffer): { instr: Instruction; hash: Buffer | null; pk: Buffer } {
  return { instr: b[0] as Instruction, hash: b[1] === 1 ? b.subarray(2, 18) : null, pk: b.subarray(18) }
}

function encodeResponse(hash: Buffer | null, value: Buffer | null): Buffer {
  return Buffer.concat([Buffer.from([hash === null ? 0 : 1]), hash ?? Buffer.alloc(16), Buffer.from([value === null ? 0 : 1]), value ?? Buffer.alloc(0)])
}

function decodeResponse(b: Buffer): { hash: Buffer | null; value: Buffer | null } {
  return { hash: b[0] === 1 ? b.subarray(1, 17) : null, value: b[17] === 1 ? b.subarray(18) : null }
}

/** Subscription-store key: [4-byte fk length][fk bytes][pk bytes], so a prefix scan finds a right row's subscribers. */
const combined = (fk: Buffer, pk: Buffer): Buffer => {
  const len = Buffer.allocUnsafe(4)
  len.writeUInt32BE(fk.length, 0)
  return Buffer.concat([len, fk, pk])
}

export function foreignKeyJoin<K, V, KO, VO, VR>(left: KTable<K, V>, right: KTable<KO, VO>, foreignKey: (v: V) => KO | null, joiner: ValueJoiner<V, VO | null, VR>, leftJoin: boolean, materialized: Materialized<K, VR> = {}): KTable<K, VR> {
  const g = left.g
  const name = g.name(leftJoin ? 'KTABLE-FK-LEFTJOIN' : 'KTABLE-FK-JOIN')
  const lks = g.keySerde(left.keySerde)
  const lvs = g.valueSerde(left.valueSerde)
  const rks = g.keySerde(right.keySerde)
  const rvs = g.valueSerde(right.valueSerde)
  const subTopic = `${name}-subscription-registration-topic`
  const respTopic = `${name}-subscription-response-topic`
  g.topology.addRepartitionTopic(subTopic, null).addRepartitionTopic(respTopic, null)
  g.topology.addCopartitionGroup([subTopic, ...right.sourceTopics])
  g.topology.addCopartitionGroup([respTopic, ...left.sourceTopics])
  const subStore = `${name}-subscription-store`
  g.addStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(subStore), Serdes.Buffer(), Serdes.Buffer()))
  const resultStore = g.kvStore(materialized.storeName ?? `${name}-result-store`, materialized, lks, g.valueSerde(materialized.valueSerde))
  const lg = left.valueGetter()
  const rg = right.valueGetter()
  const resultNode = `${name}-result`

  // Left side: (re)subscribe on every change of a row.
  const send: ProcessorSupplier<K, Change<V>, unknown, unknown> = () => {
    let ctx!: ProcessorContext<unknown, unknown>
    let results!: KeyValueStore<K, ValueAndTimestamp<VR>>
    return {
      init(c) {
        ctx = c
        results = c.getStateStore(resultStore)
      },
      process(r) {
        if (r.key === null || r.key === undefined) return
        const pk = lks.serialize(r.key)!
        const { newValue, oldValue } = r.value
        const newFk = newValue === null ? null : foreignKey(newValue)
        const oldFk = oldValue === null ? null : foreignKey(oldValue)
        const nfb = newFk === null || newFk === undefined ? null : rks.serialize(newFk)
        const ofb = oldFk === null || oldFk === undefined ? null : rks.serialize(oldFk)
        const subscribe = (fk: Buffer, instr: Instruction, hash: Buffer | null) =>
          ctx.forward({ key: fk, value: encodeSubscription(instr, hash, pk), timestamp: r.timestamp, headers: r.headers }, `${name}-subscription-sink`)
        const direct = (v: VR | null) => emitResult(ctx, results, r.key, v, r.timestamp, r.headers, resultNode)
        if (newValue === null) {
          if (ofb !== null) subscribe(ofb, Instruction.DeleteAndPropagate, null)
          else direct(null)
          return
        }
        const fkChanged = !(nfb !== null && ofb !== null && nfb.equals(ofb))
        if (nfb === null) {
          if (ofb !== null) subscribe(ofb, Instruction.DeleteNoPropagate, null)
          direct(leftJoin ? joiner(newValue, null) : null)
          return
        }
        if (ofb !== null && fkChanged) subscribe(ofb, Instruction.DeleteNoPropagate, null)
        const instr = leftJoin || (fkChanged && oldValue !== null) ? Instruction.PropagateNullIfNoValue : Instruction.PropagateOnlyIfValue
        subscribe(nfb, instr, hashOf(lvs.serialize(newValue)))
      },
    }
  }
  const sendNode = g.addProcessor(`${name}-subscription-send`, send, [left.node], [resultStore])
  g.topology.addSink(`${name}-subscription-sink`, subTopic, { keySerde: Serdes.Buffer(), valueSerde: Serdes.Buffer() }, sendNode)

  // Right side: keep subscriptions, answer them now and on every change of the right row.
  const respond = (ctx: ProcessorContext<unknown, unknown>, pk: Buffer, hash: Buffer | null, value: VO | null, ts: number) =>
    ctx.forward({ key: pk, value: encodeResponse(hash, value === null ? null : rvs.serialize(value)), timestamp: ts, headers: [] })
  g.topology.addSource(`${name}-subscription-source`, subTopic, { keySerde: Serdes.Buffer(), valueSerde: Serdes.Buffer() })
  const receive: ProcessorSupplier<Buffer, Buffer, unknown, unknown> = () => {
    let ctx!: ProcessorContext<unknown, unknown>
    let subs!: KeyValueStore<Buffer, Buffer>
    let get!: Getter<KO, VO>
    return {
      init(c) {
        ctx = c
        subs = c.getStateStore(subStore)
        get = rg.make(c)
      },
      process(r) {
        const s = decodeSubscription(r.value)
        const key = combined(r.key, s.pk)
        if (s.instr === Instruction.DeleteAndPropagate || s.instr === Instruction.DeleteNoPropagate) {
          subs.delete(key)
          if (s.instr === Instruction.DeleteAndPropagate) respond(ctx, s.pk, null, null, r.timestamp)
          return
        }
        subs.put(key, Buffer.from([s.hash === null ? 0 : 1, ...(s.hash ?? Buffer.alloc(16))]), r.timestamp)
        const rv = get(rks.deserialize(r.key) as KO)
        if (rv === null && s.instr === Instruction.PropagateOnlyIfValue) return
        respond(ctx, s.pk, s.hash, rv?.value ?? null, Math.max(r.timestamp, rv?.timestamp ?? -1))
      },
    }
  }
  const receiveNode = g.addProcessor(`${name}-subscription-receive`, receive, [`${name}-subscription-source`], [subStore, ...rg.stores])
  const rightChange: ProcessorSupplier<KO, Change<VO>, unknown, unknown> = () => {
    let ctx!: ProcessorContext<unknown, unknown>
    let subs!: KeyValueStore<Buffer, Buffer>
    return {
      init(c) {
        ctx = c
        subs = c.getStateStore(subStore)
      },
      process(r) {
        if (r.key === null || r.key === undefined) return
        const fk = rks.serialize(r.key)!
        const prefix = combined(fk, Buffer.alloc(0))
        for (const { key, value } of subs.prefixScan(prefix)) {
          respond(ctx, key.subarray(prefix.length), value[0] === 1 ? value.subarray(1, 17) : null, r.value.newValue, r.timestamp)
        }
      },
    }
  }
  const rightNode = g.addProcessor(`${name}-right-change`, rightChange, [right.node], [subStore])
  g.topology.addSink(`${name}-response-sink`, respTopic, { keySerde: Serdes.Buffer(), valueSerde: Serdes.Buffer() }, receiveNode, rightNode)

  // Left side again: join answers that still match the row.
  g.topology.addSource(`${name}-response-source`, respTopic, { keySerde: lks as Serde<unknown>, valueSerde: Serdes.Buffer() as Serde<unknown> })
  const join: ProcessorSupplier<K, Buffer, unknown, unknown> = () => {
    let ctx!: ProcessorContext<unknown, unknown>
    let get!: Getter<K, V>
    let results!: KeyValueStore<K, ValueAndTimestamp<VR>>
    return {
      init(c) {
        ctx = c
        get = lg.make(c)
        results = c.getStateStore(resultStore)
      },
      process(r) {
        const { hash, value } = decodeResponse(r.value)
        const cur = get(r.key)
        if (!sameHash(cur === null ? null : hashOf(lvs.serialize(cur.value)), hash)) return // stale answer
        const rv = value === null ? null : (rvs.deserialize(value) as VO)
        const out = cur === null ? null : rv === null ? (leftJoin ? joiner(cur.value, null) : null) : joiner(cur.value, rv)
        emitResult(ctx, results, r.key, out, Math.max(r.timestamp, cur?.timestamp ?? -1), r.headers, resultNode)
      },
    }
  }
  const joinNode = g.addProcessor(`${name}-response-join`, join, [`${name}-response-source`], [resultStore, ...lg.stores])
  g.addProcessor(resultNode, () => {
    let ctx!: ProcessorContext<unknown, unknown>
    return { init(c) { ctx = c }, process(r) { ctx.forward(r) } }
  }, [sendNode, joinNode])
  return KTable.materialized<K, VR>(g, resultNode, lks, materialized.valueSerde ?? null, [respTopic, ...left.sourceTopics], resultStore)
}

function emitResult<K, VR>(ctx: ProcessorContext<unknown, unknown>, results: KeyValueStore<K, ValueAndTimestamp<VR>>, key: K, value: VR | null, ts: number, headers: RecordHeader[], child: string): void {
  const old = results.get(key)
  if (old === null && value === null) return
  results.put(key, value === null ? null : { value, timestamp: ts }, ts)
  ctx.forward({ key, value: { newValue: value, oldValue: old?.value ?? null }, timestamp: ts, headers }, child)
}
