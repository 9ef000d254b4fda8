// Topic ids: random 128-bit UUIDs written as Kafka writes them (22-character base64url). Like
// Kafka, never hand out the all-zero id or one whose text starts with '-' (reserved for the
// metadata topic and awkward on command lines).
import { randomBytes } from 'node:crypto'

export const ZERO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA'

export function newTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (id !== ZERO_TOPIC_ID && !id.startsWith('-')) return id
  }
}
