// KIP-430 authorized-operations bitfields: which operations apply to each resource type (the bits
// a response may carry; security/acl/check.ts `authorizedOperations` keeps those the principal is
// allowed — all of them without an authorizer, as Kafka). A field nobody asked for carries Kafka's
// "not requested" marker (Integer.MIN_VALUE).

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

export const TOPIC_OPS: readonly number[] = [READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS]
export const CLUSTER_OPS: readonly number[] = [CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE,
  CREATE_TOKENS, DESCRIBE_TOKENS]
export const GROUP_OPS: readonly number[] = [READ, DESCRIBE, DELETE]
export const TOPIC_OPERATIONS = bits(TOPIC_OPS)
export const CLUSTER_OPERATIONS = bits(CLUSTER_OPS)
export const GROUP_OPERATIONS = bits(GROUP_OPS)
