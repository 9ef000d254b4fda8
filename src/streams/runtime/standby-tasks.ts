// Standby tasks (`num.standby.replicas`): warm copies of other instances' tasks. A standby task has
// the stores of its active task and no processors; one consumer of this instance reads the
// changelog partitions of all its standbys (read_committed under exactly-once) and applies every
// record to the store, as restoration does, remembering per store the next offset to apply. When
// the assignor later makes this instance the task's active owner, the runtime takes the standby's
// stores over and restores only the changelog's tail from that position.
import type { ClientOptions, Message } from '../../client/index.ts'
import { Consumer } from '../../client/index.ts'
import type { StreamTask } from '../processor/task.ts'

export class StandbyTasks {
  readonly tasks = new Map<string, StreamTask>()
  private consumer: Consumer | null = null
  /** "topic\0partition" -> the task and store its changelog feeds. */
  private byTp = new Map<string, { task: StreamTask; store: string }>()
  private closed = false
  /** Records applied to standby stores. */
  applied = 0

  constructor(
    private readonly client: ClientOptions,
    private readonly readCommitted: boolean,
    private readonly changelogTopic: (store: string) => string,
    /** Logged store names of a task. */
    private readonly loggedStores: (task: StreamTask) => string[],
    /** Runs `fn` on the runtime's lock (standby updates take turns with processing). */
    private readonly locked: (fn: () => void) => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  add(task: StreamTask): void {
    this.tasks.set(task.id, task)
  }

  /** Removes a standby (to make it active, or to close it); its stores stay open. */
  take(id: string): StreamTask | undefined {
    const t = this.tasks.get(id)
    this.tasks.delete(id)
    return t
  }

  /** Points the consumer at every standby's changelog partitions, from each store's position. */
  reassign(): void {
    this.byTp = new Map()
    const tps: { topic: string; partition: number; offset: number }[] = []
    for (const task of this.tasks.values()) {
      for (const store of this.loggedStores(task)) {
        const tp = { topic: this.changelogTopic(store), partition: task.partition }
        this.byTp.set(`${tp.topic}\u0000${tp.partition}`, { task, store })
        tps.push({ ...tp, offset: task.changelogPositions.get(store) ?? 0 })
      }
    }
    if (tps.length === 0 && this.consumer === null) return
    if (this.consumer === null) {
      this.consumer = new Consumer({ ...this.client, isolationLevel: this.readCommitted ? 'read_committed' : 'read_uncommitted', autoOffsetReset: 'earliest' })
      void this.run(this.consumer)
    }
    this.consumer.assign(tps)
    for (const tp of tps) this.consumer.seek(tp)
  }

  private async run(consumer: Consumer): Promise<void> {
    const it = consumer.batches()[Symbol.asyncIterator]()
    try {
      for (;;) {
        const r = await it.next()
        if (r.done || this.closed) return
        await this.locked(() => this.apply(r.value))
      }
    } catch (err) {
      if (!this.closed) this.onError(err as Error)
    }
  }

  private apply(batch: Message[]): void {
    for (const m of batch) {
      const target = this.byTp.get(`${m.topic}\u0000${m.partition}`)
      if (target === undefined) continue
      const pos = target.task.changelogPositions.get(target.store) ?? 0
      if (m.offset < pos) continue
      target.task.stores.get(target.store)!.restore(m.key ?? Buffer.alloc(0), m.value)
      target.task.changelogPositions.set(target.store, m.offset + 1)
      this.applied++
    }
  }

  async close(): Promise<void> {
    this.closed = true
    await this.consumer?.close()
    for (const t of this.tasks.values()) t.close()
    this.tasks.clear()
  }
}
