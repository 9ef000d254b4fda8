// ElectLeaders (key 43), v0-2: PREFERRED (v0's only kind) or UNCLEAN elections for the listed
// partitions, or for every partition when the list is null (then only partitions that needed an
// election are answered, as Kafka does). The rules are cluster/preferred-election.ts's; the broker
// that receives the request writes the elections itself, each guarded by the partition's mod
// revision (ADR 0005: no forwarding to the controller), and answers once its image shows them. A
// partition that changed between reading and writing is recomputed from the new image (a few
// rounds), so a concurrent ISR change does not fail the request.
import { ErrorCode } from '../../protocol/errors.ts'
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import type { ElectLeadersRequest, ElectLeadersResponse, ElectLeadersResponsePartitionResult } from '../../protocol/generated/messages/elect-leaders.ts'
import { ELECTION_BATCH } from '../cluster/failover-controller.ts'
import type { PartitionChange } from '../cluster/leader-election.ts'
import { ElectionType, electPreferred, electUnclean } from '../cluster/preferred-election.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

const ROUNDS = 3

interface Result { errorCode: number, errorMessage: string | null }

export const electLeadersHandler = defineHandler<ElectLeadersRequest, ElectLeadersResponse>({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request, version) {
    const type = version === 0 ? ElectionType.PREFERRED : request.electionType
    if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] }
    }
    const all = request.topicPartitions === null
    if (!allowedCluster(ctx, Operation.ALTER)) {
      const denied = { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' }
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId, ...denied })) })),
      }
    }
    const wanted: { topic: string, partition: number }[] = all
      ? [...ctx.broker.metadata.topics()].flatMap((t) => t.states.map((s) => ({ topic: t.name, partition: s.partition })))
      : request.topicPartitions!.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })))
    const results = new Map<string, Result>()
    const key = (topic: string, partition: number) => `${topic}\u0000${partition}`
    let pending = wanted
    for (let round = 0; round < ROUNDS && pending.length > 0; round++) {
      const image = ctx.broker.metadata.image
      const changes: PartitionChange[] = []
      for (const tp of pending) {
        const s = image.partition(tp.topic, tp.partition)
        if (!s) {
          results.set(key(tp.topic, tp.partition), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' })
          continue
        }
        const r = type === ElectionType.PREFERRED ? electPreferred(image, s) : electUnclean(image, s)
        if ('change' in r) changes.push(r.change)
        else results.set(key(tp.topic, tp.partition), { errorCode: r.errorCode, errorMessage: r.message })
      }
      const written = await ctx.broker.controller.writeElections(changes, ELECTION_BATCH)
      for (const c of written) results.set(key(c.prev.topic, c.prev.partition), { errorCode: ErrorCode.NONE, errorMessage: null })
      const done = new Set(written)
      pending = changes.filter((c) => !done.has(c)).map((c) => ({ topic: c.prev.topic, partition: c.prev.partition }))
    }
    for (const tp of pending) {
      results.set(key(tp.topic, tp.partition), { errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'the partition kept changing; retry' })
    }
    const byTopic = new Map<string, ElectLeadersResponsePartitionResult[]>()
    for (const tp of wanted) {
      const r = results.get(key(tp.topic, tp.partition))!
      if (all && r.errorCode === ErrorCode.ELECTION_NOT_NEEDED) continue
      let list = byTopic.get(tp.topic)
      if (!list) byTopic.set(tp.topic, list = [])
      list.push({ partitionId: tp.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })),
    }
  },
})
