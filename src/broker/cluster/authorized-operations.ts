// KIP-430 authorized-operations bitfields. Samsa has no authorizer, so, like Kafka without one,
// every operation that applies to a resource type is allowed. A field nobody asked for carries
// Kafka's "not requested" marker (Integer.MIN_VALUE).

/** Kafka's AclOperation codes: the bit positions of the bitfield. */
const READ = 3
const WRITE = 4
const CREATE = 5
const DELETE = 6
const ALTER = 7
const DESCRIBE = 8
const CLUSTER_ACTION = 9
const DESCRIBE_CONFIGS = 10
const ALTER_CONFIGS = 11
const IDEMPOTENT_WRITE = 12
const CREATE_TOKENS = 13
const DESCRIBE_TOKENS = 14

export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648

function bits(ops: readonly number[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0)
}

export const TOPIC_OPERATIONS = bits([READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS])
export const CLUSTER_OPERATIONS = bits([CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE,
  CREATE_TOKENS, DESCRIBE_TOKENS])
