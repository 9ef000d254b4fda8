// The shared KafkaJS usage cases against samsa/client/kafkajs: the same assertions as with KafkaJS.
import * as facade from '../../../src/client/kafkajs/index.ts'
import { kafkaJsUsageCases } from './usage-cases.ts'
import { kafkaJsInstrumentationCases } from './usage-instrumentation.ts'
import type { KafkaJsLike } from './usage-cases.ts'

kafkaJsUsageCases('samsa/client/kafkajs', facade as unknown as KafkaJsLike)
kafkaJsInstrumentationCases('samsa/client/kafkajs', facade as unknown as KafkaJsLike)
