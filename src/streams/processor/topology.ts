// A topology: sources (topics in), processors, sinks (topics out) and the state stores processors
// use, by name, as Kafka's `Topology` (the Processor API builds one directly, StreamsBuilder builds
// one from the DSL). Connected nodes, and nodes sharing a store, form a sub-topology; a
// sub-topology's work is split into one task per partition of its source topics. Internal topics
// (repartition topics, changelogs) are named without the application id, which the runtime adds.
import { TopologyError } from '../errors.ts'
import type { Serde } from '../serdes.ts'
import { Serdes } from '../serdes.ts'
import type { StoreBuilder } from '../state/stores.ts'
import type { ProcessorSupplier, StreamPartitioner, TimestampExtractor, TopicNameExtractor } from './api.ts'

export interface SourceNode {
  kind: 'source'
  name: string
  topics: string[]
  keySerde: Serde<unknown>
  valueSerde: Serde<unknown>
  timestampExtractor: TimestampExtractor | null
}

export interface ProcessorNode {
  kind: 'processor'
  name: string
  supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>
  parents: string[]
  stores: Set<string>
}

export interface SinkNode {
  kind: 'sink'
  name: string
  topic: string | TopicNameExtractor<unknown, unknown>
  keySerde: Serde<unknown>
  valueSerde: Serde<unknown>
  partitioner: StreamPartitioner<unknown, unknown> | null
  parents: string[]
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode

export interface GlobalStoreDef {
  store: StoreBuilder
  source: SourceNode
  processor: ProcessorNode
}

export interface Subtopology {
  id: number
  /** Node names in the order they were added. */
  nodes: string[]
  sourceTopics: string[]
  stores: string[]
}

export interface SourceOptions<K, V> {
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  timestampExtractor?: TimestampExtractor
}

export interface SinkOptions<K, V> {
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  partitioner?: StreamPartitioner<K, V>
}

export class Topology {
  readonly nodes = new Map<string, TopologyNode>()
  readonly stores = new Map<string, StoreBuilder>()
  readonly globalStores = new Map<string, GlobalStoreDef>()
  /** Repartition topics (raw names) with their partition count when fixed. */
  readonly repartitionTopics = new Map<string, number | null>()
  /** Groups of source topics that must have equal partition counts (joins). */
  readonly copartitionGroups: string[][] = []
  private readonly topicToSource = new Map<string, string>()
  private children: Map<string, string[]> | null = null

  private addNode(node: TopologyNode): void {
    if (this.nodes.has(node.name)) throw new TopologyError(`a node named ${node.name} already exists`)
    if (node.kind !== 'source') {
      if (node.parents.length === 0) throw new TopologyError(`${node.name} needs at least one parent`)
      for (const p of node.parents) {
        const parent = this.nodes.get(p)
        if (parent === undefined) throw new TopologyError(`${node.name}: parent ${p} does not exist`)
        if (parent.kind === 'sink') throw new TopologyError(`${node.name}: a sink (${p}) cannot be a parent`)
      }
    }
    this.nodes.set(node.name, node)
    this.children = null
  }

  addSource<K, V>(name: string, topics: string | string[], options: SourceOptions<K, V> = {}): this {
    const list = typeof topics === 'string' ? [topics] : topics
    for (const t of list) {
      const owner = this.topicToSource.get(t)
      if (owner !== undefined) throw new TopologyError(`topic ${t} is already read by source ${owner}`)
      this.topicToSource.set(t, name)
    }
    this.addNode({
      kind: 'source', name, topics: list, keySerde: (options.keySerde ?? Serdes.JSON()) as Serde<unknown>,
      valueSerde: (options.valueSerde ?? Serdes.JSON()) as Serde<unknown>, timestampExtractor: options.timestampExtractor ?? null,
    })
    return this
  }

  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, ...parents: string[]): this {
    this.addNode({ kind: 'processor', name, supplier: supplier as ProcessorSupplier<unknown, unknown, unknown, unknown>, parents, stores: new Set() })
    return this
  }

  addSink<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, options: SinkOptions<K, V>, ...parents: string[]): this {
    this.addNode({
      kind: 'sink', name, topic: topic as SinkNode['topic'], keySerde: (options.keySerde ?? Serdes.JSON()) as Serde<unknown>,
      valueSerde: (options.valueSerde ?? Serdes.JSON()) as Serde<unknown>, partitioner: (options.partitioner ?? null) as SinkNode['partitioner'], parents,
    })
    return this
  }

  /** Declares a store and connects it to the named processors. */
  addStateStore(builder: StoreBuilder, ...processorNames: string[]): this {
    if (this.stores.has(builder.name) || this.globalStores.has(builder.name)) throw new TopologyError(`a store named ${builder.name} already exists`)
    this.stores.set(builder.name, builder)
    for (const p of processorNames) this.connect(p, builder.name)
    return this
  }

  connectProcessorAndStateStores(processorName: string, ...storeNames: string[]): this {
    for (const s of storeNames) this.connect(processorName, s)
    return this
  }

  private connect(processorName: string, store: string): void {
    const node = this.nodes.get(processorName)
    if (node === undefined || node.kind !== 'processor') throw new TopologyError(`processor ${processorName} does not exist`)
    if (!this.stores.has(store) && !this.globalStores.has(store)) throw new TopologyError(`store ${store} does not exist`)
    if (this.stores.has(store)) node.stores.add(store)
  }

  /**
   * A global store: fed from every partition of `topic` by `stateUpdateSupplier` (which writes
   * the store), readable from every task. Its topic is its changelog: it is not logged again.
   */
  addGlobalStore<K, V>(builder: StoreBuilder, sourceName: string, topic: string, options: SourceOptions<K, V>, processorName: string, stateUpdateSupplier: ProcessorSupplier<K, V>): this {
    if (this.stores.has(builder.name) || this.globalStores.has(builder.name)) throw new TopologyError(`a store named ${builder.name} already exists`)
    const source: SourceNode = {
      kind: 'source', name: sourceName, topics: [topic], keySerde: (options.keySerde ?? Serdes.JSON()) as Serde<unknown>,
      valueSerde: (options.valueSerde ?? Serdes.JSON()) as Serde<unknown>, timestampExtractor: options.timestampExtractor ?? null,
    }
    const processor: ProcessorNode = { kind: 'processor', name: processorName, supplier: stateUpdateSupplier as ProcessorNode['supplier'], parents: [sourceName], stores: new Set([builder.name]) }
    this.globalStores.set(builder.name, { store: builder.withLoggingDisabled(), source, processor })
    return this
  }

  /** The one-source, one-processor topology that feeds global store `name` (runtime and test driver). */
  globalStoreTopology(name: string): Topology {
    const def = this.globalStores.get(name)
    if (!def) throw new TopologyError(`global store ${name} does not exist`)
    const t = new Topology()
    t.addSource(def.source.name, def.source.topics, { keySerde: def.source.keySerde, valueSerde: def.source.valueSerde, timestampExtractor: def.source.timestampExtractor ?? undefined })
    t.addProcessor(def.processor.name, def.processor.supplier, def.source.name)
    t.stores.set(name, def.store)
    t.connectProcessorAndStateStores(def.processor.name, name)
    return t
  }

  /** Marks a topic as internal (repartition): the runtime prefixes it with the application id and creates it. */
  addRepartitionTopic(name: string, partitions: number | null = null): this {
    this.repartitionTopics.set(name, partitions)
    return this
  }

  addCopartitionGroup(topics: string[]): this {
    this.copartitionGroups.push(topics)
    return this
  }

  childrenOf(name: string): string[] {
    if (this.children === null) {
      this.children = new Map()
      for (const n of this.nodes.values()) {
        if (n.kind === 'source') continue
        for (const p of n.parents) (this.children.get(p) ?? this.children.set(p, []).get(p)!).push(n.name)
      }
    }
    return this.children.get(name) ?? []
  }

  /** Sub-topologies, numbered in the order of their first node. */
  subtopologies(): Subtopology[] {
    const parent = new Map<string, string>()
    const find = (x: string): string => {
      let r = x
      while (parent.get(r) !== r) r = parent.get(r)!
      parent.set(x, r)
      return r
    }
    const union = (a: string, b: string): void => {
      const ra = find(a)
      const rb = find(b)
      if (ra !== rb) parent.set(rb, ra)
    }
    for (const n of this.nodes.keys()) parent.set(n, n)
    const storeOwner = new Map<string, string>()
    for (const n of this.nodes.values()) {
      if (n.kind === 'source') continue
      for (const p of n.parents) union(p, n.name)
      if (n.kind === 'processor') for (const s of n.stores) {
        const o = storeOwner.get(s)
        if (o === undefined) storeOwner.set(s, n.name)
        else union(o, n.name)
      }
    }
    const groups = new Map<string, Subtopology>()
    const out: Subtopology[] = []
    for (const n of this.nodes.values()) {
      const r = find(n.name)
      let sub = groups.get(r)
      if (sub === undefined) {
        sub = { id: out.length, nodes: [], sourceTopics: [], stores: [] }
        groups.set(r, sub)
        out.push(sub)
      }
      sub.nodes.push(n.name)
      if (n.kind === 'source') sub.sourceTopics.push(...n.topics)
      if (n.kind === 'processor') for (const s of n.stores) if (!sub.stores.includes(s)) sub.stores.push(s)
    }
    for (const s of out) if (s.sourceTopics.length === 0) throw new TopologyError(`sub-topology ${s.id} (${s.nodes.join(', ')}) has no source`)
    return out
  }

  /** The source node reading `topic` (global sources included). */
  sourceFor(topic: string): SourceNode | undefined {
    const name = this.topicToSource.get(topic)
    if (name !== undefined) return this.nodes.get(name) as SourceNode
    for (const g of this.globalStores.values()) if (g.source.topics.includes(topic)) return g.source
    return undefined
  }

  /** A text description in the spirit of Kafka's `Topology.describe()`. */
  describe(): string {
    const lines = ['Topologies:']
    for (const s of this.subtopologies()) {
      lines.push(`   Sub-topology: ${s.id}`)
      for (const name of s.nodes) {
        const n = this.nodes.get(name)!
        const kids = this.childrenOf(name)
        if (n.kind === 'source') lines.push(`    Source: ${name} (topics: [${n.topics.join(', ')}])`)
        else if (n.kind === 'processor') lines.push(`    Processor: ${name} (stores: [${[...n.stores].join(', ')}])`)
        else lines.push(`    Sink: ${name} (topic: ${typeof n.topic === 'string' ? n.topic : '<extractor>'})`)
        if (n.kind !== 'sink') lines.push(`      --> ${kids.length === 0 ? 'none' : kids.join(', ')}`)
        if (n.kind !== 'source') lines.push(`      <-- ${n.parents.join(', ')}`)
      }
    }
    for (const [name, g] of this.globalStores) lines.push(`   Global store: ${name} (topic: ${g.source.topics[0]}, processor: ${g.processor.name})`)
    return lines.join('\n')
  }
}
