// Global stores (GlobalKTable, addGlobalStore): each is fed by every partition of its topics on
// every instance. At start they are wiped and read to the end offsets before processing starts;
// afterwards a background loop keeps following the topics (flushing stores after each batch).
import type { Admin, ConsumerOptions, Message } from '../../client/index.ts'
import { Consumer } from '../../client/index.ts'
import type { StateStore } from '../processor/api.ts'
import { StreamTask } from '../processor/task.ts'
import type { TaskEnv } from '../processor/task.ts'
import type { Topology } from '../processor/topology.ts'

export interface GlobalStores {
  consumer: Consumer
  tasks: StreamTask[]
  stores: Map<string, StateStore>
}

export async function startGlobalStores(topology: Topology, admin: Admin, consumerOptions: ConsumerOptions, env: TaskEnv, stopping: () => boolean, fail: (err: Error) => void): Promise<GlobalStores> {
  const byTopic = new Map<string, StreamTask>()
  const tasks: StreamTask[] = []
  const stores = new Map<string, StateStore>()
  for (const [name, def] of topology.globalStores) {
    const t = topology.globalStoreTopology(name)
    const task = new StreamTask(t.subtopologies()[0]!, 0, t, env)
    task.initStores()
    for (const s of task.stores.values()) s.wipe()
    task.initProcessors()
    stores.set(name, task.stores.get(name)!)
    tasks.push(task)
    for (const topic of def.source.topics) byTopic.set(topic, task)
  }
  const infos = await admin.describeTopics([...byTopic.keys()])
  const tps = infos.flatMap((i) => i.partitions.map((_p, partition) => ({ topic: i.name, partition })))
  const ends = await admin.listOffsets(tps, 'latest')
  const consumer = new Consumer(consumerOptions)
  consumer.assign(tps)
  await consumer.seekToBeginning(tps)
  const it = consumer.batches()[Symbol.asyncIterator]()
  const apply = (batch: Message[]): void => {
    for (const m of batch) byTopic.get(m.topic)!.process({ topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: m.headers })
    for (const t of tasks) t.flushStores()
  }
  while (!ends.every((e) => consumer.position(e) >= e.offset)) {
    const r = await it.next()
    if (r.done) return { consumer, tasks, stores }
    apply(r.value)
  }
  void (async () => {
    for (;;) {
      const r = await it.next()
      if (r.done || stopping()) return
      apply(r.value)
    }
  })().catch((err: unknown) => fail(err as Error))
  return { consumer, tasks, stores }
}
