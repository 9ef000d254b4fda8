// ShareAcknowledge (key 79), versions 1-2 (KIP-932; v2: RENEW acknowledgements with IsRenewAck,
// KIP-1222): acknowledges records acquired through ShareFetch in the member's share session,
// without fetching. Each partition answers once its new state is durable. Epoch -1 closes the
// session (what the member still holds is released); epoch 0 cannot open one.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ShareAcknowledgeRequest, ShareAcknowledgeResponse } from '../../protocol/generated/messages/share-acknowledge.ts'
import { acknowledgePartition, checkShareRequest, closeShareSession, shareSession } from '../share/share-requests.ts'
import { FINAL_SHARE_SESSION_EPOCH } from '../share/share-session-cache.ts'
import { defineHandler } from './handler.ts'
import { allowedGroup } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { NO_LEADER } from './leader-hint.ts'

export const shareAcknowledgeHandler = defineHandler<ShareAcknowledgeRequest, ShareAcknowledgeResponse>({
  apiKey: ApiKey.ShareAcknowledge,
  minVersion: 1,
  maxVersion: 2,
  async handle(ctx, req, version) {
    const mgr = ctx.broker.coordinators.share.partitions
    const answer = (errorCode: number, errorMessage: string | null, responses: ShareAcknowledgeResponse['responses'] = [], lockMs = 0): ShareAcknowledgeResponse =>
      ({ throttleTimeMs: 0, errorCode, errorMessage, acquisitionLockTimeoutMs: lockMs, responses, nodeEndpoints: [] })
    const acks = req.topics.flatMap((t) => t.partitions.map((p) => p.acknowledgementBatches))
    if (!ctx.broker.config.list('group.coordinator.rebalance.protocols').includes('share')) {
      return answer(ErrorCode.UNSUPPORTED_VERSION, 'share groups are not enabled (group.coordinator.rebalance.protocols)')
    }
    const bad = checkShareRequest(req.groupId, req.memberId, acks, version >= 2 && req.isRenewAck)
    if (bad) return answer(bad.errorCode, bad.errorMessage)
    const groupId = req.groupId!
    const memberId = req.memberId!
    if (!allowedGroup(ctx, Operation.READ, groupId)) return answer(ErrorCode.GROUP_AUTHORIZATION_FAILED, null)
    const { session, error } = shareSession(ctx, mgr, groupId, memberId, req.shareSessionEpoch, true, false)
    if (error) return answer(error.errorCode, error.errorMessage)
    const responses = await Promise.all(req.topics.map(async (t) => ({
      topicId: t.topicId,
      partitions: await Promise.all(t.partitions.map(async (p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: await acknowledgePartition(ctx, mgr, groupId, memberId, t.topicId, p.partitionIndex, p.acknowledgementBatches),
        errorMessage: null,
        currentLeader: { ...NO_LEADER },
      }))),
    })))
    if (req.shareSessionEpoch === FINAL_SHARE_SESSION_EPOCH) closeShareSession(mgr, session!)
    return answer(ErrorCode.NONE, null, responses, mgr.settings(groupId).lockDurationMs)
  },
})
