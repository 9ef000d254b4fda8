// DescribeLogDirs (key 35), v0-5 (v5: a dir is never cordoned here): per data directory, the partitions it holds with their size on
// disk (offset lag is for future replicas moving between dirs: always 0 here), plus the volume's
// total and usable bytes (v4+). A null topic list means every partition.
import { statfs } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type {
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  DescribeLogDirsResponseDescribeLogDirsResult,
  DescribeLogDirsResponseDescribeLogDirsTopic,
} from '../../protocol/generated/messages/describe-log-dirs.ts'
import type { Log } from '../../storage/log.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

async function volume(dir: string): Promise<{ total: bigint; usable: bigint }> {
  try {
    const s = await statfs(dir, { bigint: true })
    return { total: s.blocks * s.bsize, usable: s.bavail * s.bsize }
  } catch {
    return { total: -1n, usable: -1n }
  }
}

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    if (!allowedCluster(ctx, Operation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] }
    const { logs } = ctx.broker
    const wanted = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]))
    const byDir = new Map<string, Log[]>()
    for (const d of logs.logDirs) byDir.set(resolve(d), [])
    for (const log of logs.all()) {
      if (wanted && !wanted.get(log.topic)?.has(log.partition)) continue
      const dir = resolve(dirname(log.dir))
      const list = byDir.get(dir)
      if (list) list.push(log)
      else byDir.set(dir, [log])
    }
    const results: DescribeLogDirsResponseDescribeLogDirsResult[] = []
    for (const [dir, list] of byDir) {
      const topics = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopic>()
      for (const log of list.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
        let t = topics.get(log.topic)
        if (!t) topics.set(log.topic, (t = { name: log.topic, partitions: [] }))
        t.partitions.push({ partitionIndex: log.partition, partitionSize: BigInt(log.size), offsetLag: 0n, isFutureKey: false })
      }
      const vol = version >= 4 ? await volume(dir) : { total: -1n, usable: -1n }
      results.push({ errorCode: ErrorCode.NONE, logDir: dir, topics: [...topics.values()], totalBytes: vol.total, usableBytes: vol.usable, isCordoned: false })
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results }
  },
})
