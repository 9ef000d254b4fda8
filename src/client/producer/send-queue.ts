// Records that send() or sendBatch() could not append at once (not connected yet, topic metadata
// unknown, buffer.memory full) wait here in send order until the producer's pump appends them.
// A sendBatch() queues its remaining records as one entry. Records of send() are queued in
// groups: one array and one promise per group of up to GROUP_SIZE records, from which each
// send() derives its own, instead of a promise with its own resolve/reject closures and a queue
// entry per record (those outlive many garbage collections while the buffer is full).
import type { RecordMetadata, Reject, Resolve } from './batch.ts'

/** Records waiting for the pump; the pump appends records[next..] and passes their index as tag. */
export interface QueuedRecords<R> {
  readonly records: readonly R[]
  next: number
  readonly resolve: Resolve
  readonly reject: Reject
  /** A send() group still taking records (the pump stays on it when it catches up). */
  readonly open: boolean
}

export const GROUP_SIZE = 128

export class SendGroup<R> implements QueuedRecords<R> {
  readonly records: R[] = []
  next = 0
  open = true
  private readonly results: (RecordMetadata | undefined)[] = []
  private errors: (Error | undefined)[] | null = null
  private settled = 0
  private cursor = 0
  private readonly done: Promise<void>
  private release!: () => void

  constructor() {
    this.done = new Promise<void>((resolve) => (this.release = resolve))
  }

  /** Queues a record; its promise settles once every record of the group has (in send order). */
  add(record: R): Promise<RecordMetadata> {
    this.records.push(record)
    if (this.records.length >= GROUP_SIZE) this.close()
    return this.done.then(this.take)
  }

  /** No more records join; the group's promises settle once all its records have. */
  close(): void {
    if (!this.open) return
    this.open = false
    if (this.settled === this.records.length) this.release()
  }

  readonly resolve: Resolve = (m, tag) => {
    this.results[tag] = m
    this.settle()
  }

  readonly reject: Reject = (e, tag) => {
    ;(this.errors ??= [])[tag] = e
    this.settle()
  }

  private settle(): void {
    if (++this.settled === this.records.length && !this.open) this.release()
  }

  /** Reactions run in the order add() registered them: the cursor is the record's index. */
  private readonly take = (): RecordMetadata => {
    const i = this.cursor++
    const err = this.errors?.[i]
    if (err !== undefined) throw err
    return this.results[i]!
  }
}
