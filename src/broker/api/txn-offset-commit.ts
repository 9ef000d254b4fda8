// TxnOffsetCommit (key 28), v0-4: group offsets that become visible only when the transaction
// commits. They are held (durably) by the transaction coordinator's offset store and written to
// the group when the commit completes; an abort drops them. v3+ carry the consumer's group
// generation and member id, checked like an OffsetCommit's (KIP-447).
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit.ts'
import { groupServiceOf } from '../coordinator/group/group-of.ts'
import { txnServiceOf } from '../coordinator/txn/txn-service.ts'
import type { TxnOffset } from '../coordinator/txn/txn-offsets.ts'
import { defineHandler } from './handler.ts'

function groupError(ctx: Parameters<typeof groupServiceOf>[0], req: TxnOffsetCommitRequest, version: number): number {
  if (version < 3) return ErrorCode.NONE
  const group = groupServiceOf(ctx).coordinator.group(req.groupId)
  if (!group) return req.generationId >= 0 ? ErrorCode.ILLEGAL_GENERATION : ErrorCode.NONE
  if (req.generationId < 0 && group.members.size === 0) return ErrorCode.NONE
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
  if (req.memberId !== '' && !group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID
  if (req.generationId >= 0 && req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
  return ErrorCode.NONE
}

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const service = txnServiceOf(ctx.broker)
    const respond = (codeOf: (topic: string, partition: number) => number): TxnOffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(t.name, p.partitionIndex) })),
      })),
    })
    let code = service.coordinator.checkTxnMember(request.transactionalId, Number(request.producerId), request.producerEpoch)
    if (code === ErrorCode.NONE) {
      await groupServiceOf(ctx.broker).whenLoaded()
      code = groupError(ctx.broker, request, version)
    }
    if (code !== ErrorCode.NONE) return respond(() => code)
    const offsets: TxnOffset[] = []
    const bad = new Set<string>()
    const maxMetadata = groupServiceOf(ctx.broker).coordinator.config.offsetMetadataMaxBytes
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const metadata = p.committedMetadata ?? ''
        if (!ctx.broker.replicas.partition(t.name, p.partitionIndex)) bad.add(`${t.name}\u0000${p.partitionIndex}\u0000${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`)
        else if (Buffer.byteLength(metadata) > maxMetadata) bad.add(`${t.name}\u0000${p.partitionIndex}\u0000${ErrorCode.OFFSET_METADATA_TOO_LARGE}`)
        else offsets.push({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1, metadata })
      }
    }
    try {
      if (offsets.length > 0) await (await service.offsetStore()).add(Number(request.producerId), request.groupId, offsets)
    } catch (err) {
      ctx.log.error({ err }, 'storing transactional offsets failed')
      return respond(() => ErrorCode.COORDINATOR_NOT_AVAILABLE)
    }
    return respond((topic, partition) => {
      for (const c of [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_METADATA_TOO_LARGE]) {
        if (bad.has(`${topic}\u0000${partition}\u0000${c}`)) return c
      }
      return ErrorCode.NONE
    })
  },
})
