// Group offsets sent with TxnOffsetCommit wait here until their transaction ends: applied to the
// group on commit, dropped on abort. They are kept durably (`txn-pending-offsets.json` in the
// data dir, rewritten atomically) so that a transaction whose PrepareCommit record survived a
// crash still commits its offsets when the coordinator completes it after the restart.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isNotFound, writeFileAtomic } from '../../../storage/fs-util.ts'

export const PENDING_OFFSETS_FILE = 'txn-pending-offsets.json'

export interface TxnOffset {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly leaderEpoch: number
  readonly metadata: string
}

/** Applies committed offsets of one group (writes them as ordinary offset commits). */
export type ApplyOffsets = (groupId: string, offsets: readonly TxnOffset[]) => Promise<void>

type Pending = Map<number, Map<string, Map<string, TxnOffset>>>

export class TxnOffsetStore {
  private pending: Pending = new Map()
  private chain: Promise<unknown> = Promise.resolve()

  private constructor(private readonly path: string | undefined) {}

  static async open(dataDir?: string): Promise<TxnOffsetStore> {
    const store = new TxnOffsetStore(dataDir ? join(dataDir, PENDING_OFFSETS_FILE) : undefined)
    if (store.path) {
      try {
        const json = JSON.parse(await readFile(store.path, 'utf8')) as [number, [string, TxnOffset[]][]][]
        for (const [pid, groups] of json) {
          const byGroup = new Map<string, Map<string, TxnOffset>>()
          for (const [g, list] of groups) byGroup.set(g, new Map(list.map((o) => [`${o.topic}\u0000${o.partition}`, o])))
          store.pending.set(pid, byGroup)
        }
      } catch (e) {
        if (!isNotFound(e) && !(e instanceof SyntaxError)) throw e
      }
    }
    return store
  }

  /** Offsets waiting for the transaction of `producerId`. */
  get(producerId: number): ReadonlyMap<string, ReadonlyMap<string, TxnOffset>> | undefined {
    return this.pending.get(producerId)
  }

  /** Whether an open transaction holds an offset for the group's partition (OffsetFetch requireStable). */
  isPending(groupId: string, topic: string, partition: number): boolean {
    const k = `${topic}\u0000${partition}`
    for (const byGroup of this.pending.values()) if (byGroup.get(groupId)?.has(k)) return true
    return false
  }

  /** Records offsets of an open transaction (durable before it resolves). */
  add(producerId: number, groupId: string, offsets: readonly TxnOffset[]): Promise<void> {
    let byGroup = this.pending.get(producerId)
    if (!byGroup) this.pending.set(producerId, (byGroup = new Map()))
    let m = byGroup.get(groupId)
    if (!m) byGroup.set(groupId, (m = new Map()))
    for (const o of offsets) m.set(`${o.topic}\u0000${o.partition}`, o)
    return this.persist()
  }

  /** The transaction ended: apply (commit) or drop its offsets. Safe to repeat after a crash. */
  async complete(producerId: number, commit: boolean, apply: ApplyOffsets): Promise<void> {
    const byGroup = this.pending.get(producerId)
    if (!byGroup) return
    if (commit) for (const [groupId, m] of byGroup) await apply(groupId, [...m.values()])
    this.pending.delete(producerId)
    await this.persist()
  }

  private persist(): Promise<void> {
    const path = this.path
    if (!path) return Promise.resolve()
    const p = this.chain.then(() => {
      const json = [...this.pending].map(([pid, groups]) => [pid, [...groups].map(([g, m]) => [g, [...m.values()]])])
      return writeFileAtomic(path, JSON.stringify(json))
    })
    this.chain = p.catch(() => {})
    return p
  }
}
