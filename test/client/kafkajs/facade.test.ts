// The shared KafkaJS usage cases against samsa/client/kafkajs: the same assertions as with KafkaJS.
import * as facade from '../../../src/client/kafkajs/index.ts'
import { kafkaJsUsageCases } from './usage-cases.ts'
import { kafkaJsHookCases } from './usage-hooks.ts'
import type { KafkaJsHooksLike } from './usage-hooks.ts'
import { kafkaJsAclCases } from './usage-acls.ts'
import type { KafkaJsAclLike } from './usage-acls.ts'
import { kafkaJsReplicaCases } from './usage-replicas.ts'
import type { KafkaJsReplicaLike } from './usage-replicas.ts'
import type { KafkaJsLike } from './usage-cases.ts'

kafkaJsUsageCases('samsa/client/kafkajs', facade as unknown as KafkaJsLike)
kafkaJsHookCases('samsa/client/kafkajs', facade as unknown as KafkaJsHooksLike)
kafkaJsAclCases('samsa/client/kafkajs', facade as unknown as KafkaJsAclLike)
kafkaJsReplicaCases('samsa/client/kafkajs', facade as unknown as KafkaJsReplicaLike)
