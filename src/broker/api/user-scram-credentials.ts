// DescribeUserScramCredentials (key 50) and AlterUserScramCredentials (key 51), v0: SCRAM
// credentials kept in the metadata store (security/scram-credentials.ts). Clients send the salted
// password (never the password); the broker keeps StoredKey and ServerKey derived from it. Per
// user errors follow Kafka: an empty name or bad iterations UNACCEPTABLE_CREDENTIAL, an unknown
// mechanism UNSUPPORTED_SASL_MECHANISM, a user named twice DUPLICATE_RESOURCE, deleting or
// describing what does not exist RESOURCE_NOT_FOUND.
import { ApiKey } from '../../protocol/generated/api-keys.ts'
import { ErrorCode } from '../../protocol/errors.ts'
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../protocol/generated/messages/alter-user-scram-credentials.ts'
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../../protocol/generated/messages/describe-user-scram-credentials.ts'
import { MAX_ITERATIONS, MIN_ITERATIONS, SCRAM_TYPES, credentialFrom, scramType } from '../security/sasl/scram-formatter.ts'
import type { ScramChange } from '../security/scram-credentials.ts'
import { defineHandler } from './handler.ts'
import { allowedCluster } from '../security/acl/check.ts'
import { Operation } from '../security/acl/acl.ts'

type Result = { user: string, errorCode: number, errorMessage: string | null }

export const alterUserScramCredentialsHandler = defineHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>({
  apiKey: ApiKey.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    if (!allowedCluster(ctx, Operation.ALTER)) {
      const users = [...new Set([...request.deletions, ...request.upsertions].map((c) => c.name))]
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' })) }
    }
    const scram = ctx.broker.security.scram
    const results = new Map<string, Result>()
    const fail = (user: string, errorCode: number, errorMessage: string) => {
      if (!results.has(user) || results.get(user)!.errorCode === ErrorCode.NONE) results.set(user, { user, errorCode, errorMessage })
    }
    // Kafka refuses a user whose deletions and upsertions name one mechanism twice.
    const seen = new Map<string, Set<number>>()
    for (const c of [...request.deletions, ...request.upsertions]) {
      const mechs = seen.get(c.name) ?? new Set()
      if (mechs.has(c.mechanism)) fail(c.name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request')
      mechs.add(c.mechanism)
      seen.set(c.name, mechs)
    }
    const existing = new Set((await scram.list()).map((s) => `${scramType(s.mechanism)}/${s.user}`))
    const changes: ScramChange[] = []
    for (const d of request.deletions) {
      const mechanism = SCRAM_TYPES[d.mechanism]
      if (d.name === '') fail(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty')
      else if (!mechanism) fail(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism')
      else if (!existing.has(`${d.mechanism}/${d.name}`)) fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist')
      else changes.push({ type: 'delete', user: d.name, mechanism })
    }
    for (const u of request.upsertions) {
      const mechanism = SCRAM_TYPES[u.mechanism]
      if (u.name === '') fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty')
      else if (!mechanism) fail(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism')
      else if (u.iterations < MIN_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations (minimum ${MIN_ITERATIONS})`)
      else if (u.iterations > MAX_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations (maximum ${MAX_ITERATIONS})`)
      else if (u.salt.length === 0 || u.saltedPassword.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty')
      else changes.push({ type: 'upsert', user: u.name, mechanism, credential: credentialFrom(mechanism, Buffer.from(u.saltedPassword), Buffer.from(u.salt), u.iterations) })
    }
    // A user with any error changes nothing (Kafka applies per user).
    const applied = changes.filter((c) => !results.has(c.user))
    await scram.apply(applied)
    for (const c of applied) results.set(c.user, { user: c.user, errorCode: ErrorCode.NONE, errorMessage: null })
    return { throttleTimeMs: 0, results: [...results.values()] }
  },
})

export const describeUserScramCredentialsHandler = defineHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>({
  apiKey: ApiKey.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    if (!allowedCluster(ctx, Operation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', results: [] }
    }
    const stored = await ctx.broker.security.scram.list()
    const byUser = new Map<string, { mechanism: number, iterations: number }[]>()
    for (const s of stored) {
      const list = byUser.get(s.user) ?? []
      list.push({ mechanism: scramType(s.mechanism), iterations: s.iterations })
      byUser.set(s.user, list)
    }
    const wanted = request.users === null || request.users.length === 0 ? [...byUser.keys()].sort() : request.users.map((u) => u.name)
    const counts = new Map<string, number>()
    for (const u of wanted) counts.set(u, (counts.get(u) ?? 0) + 1)
    const results = [...new Set(wanted)].map((user) => {
      if (counts.get(user)! > 1) return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe the same user twice', credentialInfos: [] }
      const infos = byUser.get(user)
      if (!infos) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] }
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos }
    })
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results }
  },
})
