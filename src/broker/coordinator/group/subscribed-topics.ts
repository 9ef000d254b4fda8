// The topics a classic consumer-protocol member subscribes to, read the way Kafka's coordinator
// does (ClassicGroup.computeSubscribedTopics): the version prefix, then only the v0 fields. Every
// later version extends v0, and clients (KafkaJS, @platformatic/kafka) declare version >= 1 while
// sending only the v0 fields, so decoding with the declared version would run past the end.
import { Reader } from '../../../protocol/primitives/index.ts'
import { readConsumerProtocolSubscription } from '../../../protocol/generated/data/consumer-protocol-subscription.ts'

/** The subscribed topics of one member's subscription metadata; throws if even v0 does not parse. */
export function subscribedTopicsOf(metadata: Buffer): string[] {
  const r = new Reader(metadata)
  const version = r.int16()
  if (version < 0) throw new RangeError(`consumer protocol subscription version ${version}`)
  return readConsumerProtocolSubscription(r, 0).topics
}
