// Produce (key 0), v0-13. Each partition's batches go to its leader replica's log as they came
// (validated and stamped in place by storage, never decoded); partitions append concurrently and
// the response lists them in request order. acks=0 gets no response at all; acks=1 answers once the
// append is acknowledged by storage; acks=-1 also waits until the high watermark covers it
// (replica/delayed-produce.ts) — on a single node the ISR is this broker, so that is at once — and
// answers NOT_ENOUGH_REPLICAS before appending when the ISR is below min.insync.replicas, or
// NOT_ENOUGH_REPLICAS_AFTER_APPEND when it shrank below while waiting. From v12 a transactional
// batch adds its partition to the producer's transaction (transaction version 2, KIP-890 part 2;
// clients send v12+ transactional produces only when ApiVersions finalizes transaction.version 2);
// v13 names topics by id only (KIP-516): an unknown id is UNKNOWN_TOPIC_ID and the answer echoes
// the id with an empty name.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode, errorName } from '../../protocol/errors.ts'
import type {
  ProduceRequest,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from '../../protocol/generated/messages/produce.ts'
import type { Partition } from '../replica/partition.ts'
import { NO_RESPONSE, defineHandler } from './handler.ts'
import type { NoResponse, RequestContext } from './handler.ts'
import { RequestRejected } from './dispatcher.ts'
import { partitionFailure } from './partition-error.ts'
import { recordsForAppend } from './produce-records.ts'
import { PRODUCE_IMPLICIT_ADD_VERSION, TxnPartitionAdder, verifyTransactionalAppend } from '../coordinator/txn/verify-append.ts'
import { RecordErrors, checkCompactedKeys } from './compacted-keys.ts'
import { transactionV2Finalized } from './features.ts'
import { checkSchemaIds } from './schema-ids.ts'
import { LeaderEndpoints, NO_LEADER, currentLeader, wantsLeaderHint } from './leader-hint.ts'
import { allowedTopic, allowedTransactionalId } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'
import { recordsBuffer } from '../../protocol/primitives/index.ts'
import { recordProduce } from '../quota/quota-checks.ts'

const NO_RECORD_ERRORS: never[] = []

function failed(index: number, code: number, message: string | null, version: number): ProduceResponsePartitionProduceResponse {
  return {
    index,
    errorCode: code,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: NO_RECORD_ERRORS,
    errorMessage: version >= 8 ? message : null,
    currentLeader: NO_LEADER,
  }
}

async function appendPartition(ctx: RequestContext, partition: Partition, index: number, records: Buffer | null,
  version: number, transactionalId: string | null, acks: number, timeoutMs: number, adder: TxnPartitionAdder | null): Promise<ProduceResponsePartitionProduceResponse> {
  try {
    const batches = recordsForAppend(records, version)
    // Transactional batches only into partitions of the producer's ongoing transaction
    // (src/broker/coordinator/txn); v12+ producers (transaction version 2) have them added here.
    if (adder !== null) await adder.add(partition.topic, index, batches)
    else {
      const verifying = verifyTransactionalAppend(ctx.broker, transactionalId, partition, batches)
      if (verifying) await verifying
    }
    if (partition.settings.compacted) checkCompactedKeys(batches, partition.topic, index)
    if (partition.settings.schemaValidation) await checkSchemaIds(batches, partition.topic, partition.settings.schemaValidation, ctx.broker.schemas)
    // The epoch the batch is written in: only the HW of this leadership confirms it.
    const epoch = partition.leaderEpoch
    // Lent only when `batches` is the frame's own bytes (old versions' converted copies are not).
    const result = await partition.appendAsLeader(batches, batches === records ? ctx.frameHold : undefined)
    ctx.broker.metrics.produced(partition.topic, batches.length, result.recordCount)
    const required = result.lastOffset + 1
    if (acks === -1) {
      if (!(await ctx.broker.replicas.awaitReplication(partition, required, timeoutMs, epoch))) {
        if (!partition.isLeader) return notLeader(ctx, partition, index, version)
        return failed(index, ErrorCode.REQUEST_TIMED_OUT, 'the in-sync replicas did not confirm the write in time', version)
      }
      // Written everywhere in the ISR, but the ISR shrank below min.insync.replicas meanwhile.
      if (partition.isr.length < partition.settings.minInsyncReplicas) {
        return failed(index, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
          `${partition.isr.length} in-sync replicas after the append, min.insync.replicas is ${partition.settings.minInsyncReplicas}`, version)
      }
    }
    return {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: BigInt(result.baseOffset),
      logAppendTimeMs: BigInt(result.logAppendTime),
      logStartOffset: BigInt(result.logStartOffset),
      recordErrors: NO_RECORD_ERRORS,
      errorMessage: null,
      currentLeader: NO_LEADER,
    }
  } catch (err) {
    const f = partitionFailure(err)
    if (f.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return notLeader(ctx, partition, index, version)
    if (f.unexpected) ctx.log.error({ err, topic: partition.topic, partition: index }, 'produce failed')
    else ctx.log.debug({ topic: partition.topic, partition: index, code: f.code, reason: f.message }, 'produce rejected')
    const response = failed(index, f.code, f.message, version)
    if (err instanceof RecordErrors) response.recordErrors = err.recordErrors
    return response
  }
}

/** NOT_LEADER_OR_FOLLOWER naming the current leader (v10+, KIP-951); its endpoint goes in nodeEndpoints. */
function notLeader(ctx: RequestContext, partition: Partition, index: number, version: number): ProduceResponsePartitionProduceResponse {
  const r = failed(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker does not lead ${partition.topic}-${index}`, version)
  if (version >= 10) r.currentLeader = currentLeader(ctx.broker.metadata.image, partition.topic, index)
  return r
}

/**
 * acks=0: nothing is sent back, but the request holds its connection slot (and in-flight bytes)
 * until the appends finish, so a flood is bounded by the connection limits. A failure closes the
 * connection, as Kafka does, so the client notices and refreshes its metadata.
 */
function noResponse(responses: readonly ProduceResponseTopicProduceResponse[]): NoResponse {
  for (const t of responses) {
    for (const p of t.partitionResponses) {
      if (p.errorCode !== ErrorCode.NONE) {
        throw new RequestRejected(`acks=0 produce to ${t.name}-${p.index} failed: ${errorName(p.errorCode)}${p.errorMessage ? ` (${p.errorMessage})` : ''}`)
      }
    }
  }
  return NO_RESPONSE
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 13,
  handle(ctx, request, version) {
    const { acks } = request
    const replicas = ctx.broker.replicas
    const metadata = ctx.broker.metadata
    const badAcks = acks !== 0 && acks !== 1 && acks !== -1
    const pending: Promise<unknown>[] = []
    const responses: ProduceResponseTopicProduceResponse[] = []
    const adder = version >= PRODUCE_IMPLICIT_ADD_VERSION && request.transactionalId !== null && transactionV2Finalized(ctx.broker.metadata.image)
      ? new TxnPartitionAdder(ctx.broker, request.transactionalId) : null
    // A transactional produce needs WRITE on its transactional id (Kafka refuses the whole request).
    const txnDenied = request.transactionalId !== null && !allowedTransactionalId(ctx, Operation.WRITE, request.transactionalId)
    for (const topic of request.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponse[] = []
      const byId = version >= 13
      const meta = byId ? metadata.topicById(topic.topicId) : metadata.topic(topic.name)
      const name = byId ? meta?.name ?? '' : topic.name
      // As Kafka: WRITE is checked before existence (an unknown topic id has no name to check).
      const mayWrite = (byId && meta === undefined) || allowedTopic(ctx, Operation.WRITE, name)
      for (const pd of topic.partitionData) {
        const slot = partitionResponses.length
        const partition = meta ? replicas.partition(name, pd.index) : undefined
        if (badAcks) {
          partitionResponses.push(failed(pd.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1 (got ${acks})`, version))
        } else if (txnDenied) {
          partitionResponses.push(failed(pd.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, null, version))
        } else if (!mayWrite) {
          partitionResponses.push(failed(pd.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null, version))
        } else if (!meta && byId) {
          partitionResponses.push(failed(pd.index, ErrorCode.UNKNOWN_TOPIC_ID, `Unknown topic id ${topic.topicId}`, version))
        } else if (!partition) {
          partitionResponses.push(failed(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown partition ${name}-${pd.index}`, version))
        } else if (!partition.isLeader) {
          partitionResponses.push(notLeader(ctx, partition, pd.index, version))
        } else if (meta!.internal) {
          partitionResponses.push(failed(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${name}`, version))
        } else if (acks === -1 && partition.isr.length < partition.settings.minInsyncReplicas) {
          partitionResponses.push(failed(pd.index, ErrorCode.NOT_ENOUGH_REPLICAS,
            `${partition.isr.length} in-sync replicas, min.insync.replicas is ${partition.settings.minInsyncReplicas}`, version))
        } else {
          partitionResponses.push(failed(pd.index, ErrorCode.NONE, null, version))
          pending.push(appendPartition(ctx, partition, pd.index, pd.records === null ? null : recordsBuffer(pd.records), version, request.transactionalId, acks, request.timeoutMs, adder).then((r) => { partitionResponses[slot] = r }))
        }
      }
      responses.push({ name: byId ? '' : topic.name, topicId: topic.topicId, partitionResponses })
    }
    const response: ProduceResponse = { responses, throttleTimeMs: 0, nodeEndpoints: [] }
    if (acks === 0) {
      return Promise.all(pending).then(() => {
        recordProduce(ctx, ctx.size)
        return noResponse(responses)
      })
    }
    const withEndpoints = (): ProduceResponse => {
      // producer_byte_rate: the request counts once its appends are done, as in Kafka.
      response.throttleTimeMs = recordProduce(ctx, ctx.size)
      if (version < 10) return response
      const leaders = new LeaderEndpoints(metadata.image)
      for (const t of responses) for (const p of t.partitionResponses) if (wantsLeaderHint(p.errorCode)) leaders.add(p.currentLeader)
      response.nodeEndpoints = leaders.list()
      return response
    }
    if (pending.length === 0) return withEndpoints()
    // One partition (the usual produce): no Promise.all array and promise per request.
    return (pending.length === 1 ? pending[0]! : Promise.all(pending)).then(withEndpoints)
  },
})
