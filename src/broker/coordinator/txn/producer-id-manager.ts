// Producer ids, unique for the life of the cluster: handed out from blocks whose end is persisted
// (`producer-id-block` in the data dir) before any id of the block is used, so a crash can skip
// ids but never reuse one (Kafka allocates blocks of 1000 through the controller the same way).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isNotFound, writeFileAtomic } from '../../../storage/fs-util.ts'

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block'
const BLOCK = 1000

export interface ProducerIdSource {
  next(): Promise<number>
}

export class ProducerIdManager implements ProducerIdSource {
  private nextId: number
  private blockEnd: number
  private chain: Promise<unknown> = Promise.resolve()

  private constructor(private readonly path: string | undefined, start: number) {
    this.nextId = start
    this.blockEnd = start
  }

  /** Reads the persisted block end of `dataDir` (no dir: memory only, for tests). */
  static async open(dataDir?: string): Promise<ProducerIdManager> {
    if (!dataDir) return new ProducerIdManager(undefined, 0)
    const path = join(dataDir, PRODUCER_ID_BLOCK_FILE)
    let start = 0
    try {
      const n = Number((await readFile(path, 'utf8')).trim())
      if (Number.isSafeInteger(n) && n >= 0) start = n
    } catch (e) {
      if (!isNotFound(e)) throw e
    }
    return new ProducerIdManager(path, start)
  }

  next(): Promise<number> {
    const p = this.chain.then(async () => {
      if (this.nextId >= this.blockEnd) {
        const end = this.nextId + BLOCK
        if (this.path) await writeFileAtomic(this.path, `${end}\n`)
        this.blockEnd = end
      }
      return this.nextId++
    })
    this.chain = p.catch(() => {})
    return p
  }
}
