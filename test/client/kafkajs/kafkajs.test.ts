// The shared KafkaJS usage cases against the real KafkaJS: the reference the facade must match.
import { createRequire } from 'node:module'
import { kafkaJsUsageCases } from './usage-cases.ts'
import { kafkaJsHookCases } from './usage-hooks.ts'
import type { KafkaJsHooksLike } from './usage-hooks.ts'
import { kafkaJsAclCases } from './usage-acls.ts'
import type { KafkaJsAclLike } from './usage-acls.ts'
import { kafkaJsReplicaCases } from './usage-replicas.ts'
import type { KafkaJsReplicaLike } from './usage-replicas.ts'
import type { KafkaJsLike } from './usage-cases.ts'

// KafkaJS spreads its error classes into module.exports, which ESM named imports cannot see.
const kafkajs = createRequire(import.meta.url)('kafkajs') as KafkaJsLike
kafkaJsUsageCases('kafkajs', kafkajs)
kafkaJsHookCases('kafkajs', kafkajs as KafkaJsHooksLike)
kafkaJsAclCases('kafkajs', kafkajs as unknown as KafkaJsAclLike)
kafkaJsReplicaCases('kafkajs', kafkajs as unknown as KafkaJsReplicaLike)
