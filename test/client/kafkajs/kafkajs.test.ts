// The shared KafkaJS usage cases against the real KafkaJS: the reference the facade must match.
import { createRequire } from 'node:module'
import { kafkaJsUsageCases } from './usage-cases.ts'
import { kafkaJsInstrumentationCases } from './usage-instrumentation.ts'
import type { KafkaJsLike } from './usage-cases.ts'

// KafkaJS spreads its error classes into module.exports, which ESM named imports cannot see.
const kafkajs = createRequire(import.meta.url)('kafkajs') as KafkaJsLike
kafkaJsUsageCases('kafkajs', kafkajs)
kafkaJsInstrumentationCases('kafkajs', kafkajs)
