// Kafka's error codes as one table: the broker answers with these codes, clients decide from
// `retriable` whether to try again. Names are Kafka's own (Errors.java) so logs and docs match.
// Codes above 127 were added after the protocol snapshot in ../shared/kafka-protocol; keeping
// them lets us name what newer peers send.

/** One row: [code, NAME, retriable, short message]. */
type Row = readonly [number, string, boolean, string]

const ROWS = [
  [-1, 'UNKNOWN_SERVER_ERROR', false, 'Unexpected server error.'],
  [0, 'NONE', false, 'No error.'],
  [1, 'OFFSET_OUT_OF_RANGE', false, 'Requested offset is outside the range held by the partition.'],
  [2, 'CORRUPT_MESSAGE', true, 'Message failed its CRC check, exceeds a valid size, has a null key on a compacted topic, or is otherwise corrupt.'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', true, 'This server does not host this topic-partition.'],
  [4, 'INVALID_FETCH_SIZE', false, 'The requested fetch size is invalid.'],
  [5, 'LEADER_NOT_AVAILABLE', true, 'The partition has no leader right now (an election is in progress).'],
  [6, 'NOT_LEADER_OR_FOLLOWER', true, 'This server is not the leader or a follower of the partition.'],
  [7, 'REQUEST_TIMED_OUT', true, 'The request timed out.'],
  [8, 'BROKER_NOT_AVAILABLE', false, 'The broker is not available.'],
  [9, 'REPLICA_NOT_AVAILABLE', true, 'The replica is not available for the partition.'],
  [10, 'MESSAGE_TOO_LARGE', false, 'The request contained a message larger than the server accepts.'],
  [11, 'STALE_CONTROLLER_EPOCH', false, 'The controller moved to another broker.'],
  [12, 'OFFSET_METADATA_TOO_LARGE', false, 'The offset commit metadata is too large.'],
  [13, 'NETWORK_EXCEPTION', true, 'The server disconnected before a response was received.'],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', true, 'The coordinator is loading and cannot serve this request yet.'],
  [15, 'COORDINATOR_NOT_AVAILABLE', true, 'The coordinator is not available.'],
  [16, 'NOT_COORDINATOR', true, 'This is not the correct coordinator.'],
  [17, 'INVALID_TOPIC_EXCEPTION', false, 'The request tried to use an invalid topic.'],
  [18, 'RECORD_LIST_TOO_LARGE', false, 'The record batch is larger than the maximum segment size.'],
  [19, 'NOT_ENOUGH_REPLICAS', true, 'Fewer in-sync replicas than required.'],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true, 'Written to the log, but with fewer in-sync replicas than required.'],
  [21, 'INVALID_REQUIRED_ACKS', false, 'The requested acks value is invalid (must be -1, 0 or 1).'],
  [22, 'ILLEGAL_GENERATION', false, 'The generation id given by the member is not the current generation.'],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', false, "The member's protocol type or protocols do not match the group's."],
  [24, 'INVALID_GROUP_ID', false, 'The group id is invalid.'],
  [25, 'UNKNOWN_MEMBER_ID', false, 'The coordinator does not know this member.'],
  [26, 'INVALID_SESSION_TIMEOUT', false, 'The session timeout is outside the range the broker allows.'],
  [27, 'REBALANCE_IN_PROGRESS', false, 'The group is rebalancing; the member should rejoin.'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', false, 'The committing offset data size is invalid.'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access the topics.'],
  [30, 'GROUP_AUTHORIZATION_FAILED', false, 'Not authorized to access the group.'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', false, 'The cluster action is not authorized.'],
  [32, 'INVALID_TIMESTAMP', false, 'The timestamp of the message is out of the acceptable range.'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', false, 'The broker does not support the requested SASL mechanism.'],
  [34, 'ILLEGAL_SASL_STATE', false, 'The request is not valid in the current SASL state.'],
  [35, 'UNSUPPORTED_VERSION', false, 'The version of the API is not supported.'],
  [36, 'TOPIC_ALREADY_EXISTS', false, 'The topic already exists.'],
  [37, 'INVALID_PARTITIONS', false, 'The number of partitions is invalid.'],
  [38, 'INVALID_REPLICATION_FACTOR', false, 'The replication factor is invalid.'],
  [39, 'INVALID_REPLICA_ASSIGNMENT', false, 'The replica assignment is invalid.'],
  [40, 'INVALID_CONFIG', false, 'The configuration is invalid.'],
  [41, 'NOT_CONTROLLER', true, 'This is not the active controller.'],
  [42, 'INVALID_REQUEST', false, 'The request is malformed or not valid for this server.'],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', false, 'The message format of the topic does not support this request.'],
  [44, 'POLICY_VIOLATION', false, 'The request violates a policy configured on the server.'],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false, 'The broker received an out-of-order sequence number.'],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', false, 'The broker received a duplicate sequence number.'],
  [47, 'INVALID_PRODUCER_EPOCH', false, "The producer's epoch is older than the broker's (or the request is stale)."],
  [48, 'INVALID_TXN_STATE', false, 'The producer attempted a transactional operation in an invalid state.'],
  [49, 'INVALID_PRODUCER_ID_MAPPING', false, 'The producer id does not match the transactional id.'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', false, 'The transaction timeout exceeds the broker maximum.'],
  [51, 'CONCURRENT_TRANSACTIONS', true, 'Another transaction operation is in progress for this producer.'],
  [52, 'TRANSACTION_COORDINATOR_FENCED', false, 'This transaction coordinator has been fenced by a newer one.'],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false, 'Transactional id authorization failed.'],
  [54, 'SECURITY_DISABLED', false, 'Security features are disabled.'],
  [55, 'OPERATION_NOT_ATTEMPTED', false, 'The operation was not attempted because an earlier one in the batch failed.'],
  [56, 'KAFKA_STORAGE_ERROR', true, 'A disk error occurred when accessing the log.'],
  [57, 'LOG_DIR_NOT_FOUND', false, 'The user-specified log directory is not found.'],
  [58, 'SASL_AUTHENTICATION_FAILED', false, 'SASL authentication failed.'],
  [59, 'UNKNOWN_PRODUCER_ID', false, 'The broker holds no state for this producer id.'],
  [60, 'REASSIGNMENT_IN_PROGRESS', false, 'A partition reassignment is in progress.'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', false, 'Delegation token feature is not enabled.'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', false, 'Delegation token is not found.'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', false, 'The principal is not the owner of the delegation token.'],
  [64, 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', false, 'Delegation token requests are not allowed on this channel.'],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', false, 'Delegation token authorization failed.'],
  [66, 'DELEGATION_TOKEN_EXPIRED', false, 'Delegation token has expired.'],
  [67, 'INVALID_PRINCIPAL_TYPE', false, 'The supplied principal type is not supported.'],
  [68, 'NON_EMPTY_GROUP', false, 'The group is not empty.'],
  [69, 'GROUP_ID_NOT_FOUND', false, 'The group id does not exist.'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', true, 'The fetch session id was not found.'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', true, 'The fetch session epoch is invalid.'],
  [72, 'LISTENER_NOT_FOUND', true, 'No matching listener on the leader for this request.'],
  [73, 'TOPIC_DELETION_DISABLED', false, 'Topic deletion is disabled.'],
  [74, 'FENCED_LEADER_EPOCH', true, 'The leader epoch in the request is older than the broker\'s.'],
  [75, 'UNKNOWN_LEADER_EPOCH', true, 'The leader epoch in the request is newer than the broker\'s.'],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', false, 'The requesting client does not support the compression type.'],
  [77, 'STALE_BROKER_EPOCH', false, 'The broker epoch has changed.'],
  [78, 'OFFSET_NOT_AVAILABLE', true, 'The leader high watermark has not caught up after a recent election.'],
  [79, 'MEMBER_ID_REQUIRED', false, 'The group member must rejoin with the member id it was given.'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', true, 'The preferred leader was not available.'],
  [81, 'GROUP_MAX_SIZE_REACHED', false, 'The group has reached its maximum size.'],
  [82, 'FENCED_INSTANCE_ID', false, 'Another member with the same group.instance.id fenced this one.'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', true, 'No eligible leader for the partition.'],
  [84, 'ELECTION_NOT_NEEDED', true, 'Leader election is not needed for the partition.'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', false, 'No partition reassignment is in progress.'],
  [86, 'GROUP_SUBSCRIBED_TO_TOPIC', false, 'Offsets of a topic the group is subscribed to cannot be deleted.'],
  [87, 'INVALID_RECORD', false, 'The record failed validation on the broker and was rejected.'],
  [88, 'UNSTABLE_OFFSET_COMMIT', true, 'Unstable offsets are pending for this partition.'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', true, 'The throttling quota has been exceeded.'],
  [90, 'PRODUCER_FENCED', false, 'A newer producer with the same transactional id fenced this one.'],
  [91, 'RESOURCE_NOT_FOUND', false, 'A request illegally referred to a resource that does not exist.'],
  [92, 'DUPLICATE_RESOURCE', false, 'A request illegally referred to the same resource twice.'],
  [93, 'UNACCEPTABLE_CREDENTIAL', false, 'The requested credential does not meet the criteria.'],
  [94, 'INCONSISTENT_VOTER_SET', false, 'The voter set of the request does not match the receiver\'s.'],
  [95, 'INVALID_UPDATE_VERSION', false, 'The given update version is invalid.'],
  [96, 'FEATURE_UPDATE_FAILED', false, 'Updating the finalized features failed.'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', false, 'The principal in the envelope request could not be deserialized.'],
  [98, 'SNAPSHOT_NOT_FOUND', false, 'The requested snapshot was not found.'],
  [99, 'POSITION_OUT_OF_RANGE', false, 'The requested position is not within the snapshot.'],
  [100, 'UNKNOWN_TOPIC_ID', true, 'This server does not host this topic id.'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', false, 'This broker id is already registered.'],
  [102, 'BROKER_ID_NOT_REGISTERED', false, 'The given broker id was not registered.'],
  [103, 'INCONSISTENT_TOPIC_ID', true, 'The log\'s topic id does not match the topic id in the request.'],
  [104, 'INCONSISTENT_CLUSTER_ID', false, 'The cluster id in the request does not match the stored one.'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', false, 'The transactional id was not found.'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', true, 'The fetch session mixed topic ids and topic names, or a topic id changed.'],
  [107, 'INELIGIBLE_REPLICA', false, 'The new ISR contains at least one ineligible replica.'],
  [108, 'NEW_LEADER_ELECTED', false, 'The AlterPartition request failed because a new leader was elected.'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', false, 'The requested offset has moved to tiered storage.'],
  [110, 'FENCED_MEMBER_EPOCH', false, 'The member epoch is fenced; the member must rejoin with epoch 0.'],
  [111, 'UNRELEASED_INSTANCE_ID', false, 'The instance id is still used by another member.'],
  [112, 'UNSUPPORTED_ASSIGNOR', false, 'The assignor or its version range is not supported by the group.'],
  [113, 'STALE_MEMBER_EPOCH', false, 'The member epoch is stale; retry after receiving the latest epoch.'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', false, 'The request was sent to an endpoint of the wrong type.'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', false, 'This endpoint type is not supported yet.'],
  [116, 'UNKNOWN_CONTROLLER_ID', false, 'This controller id is not known.'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', false, 'The client sent a push telemetry request with an invalid subscription id.'],
  [118, 'TELEMETRY_TOO_LARGE', false, 'The telemetry payload is larger than the broker accepts.'],
  [119, 'INVALID_REGISTRATION', false, 'The controller considers the broker registration invalid.'],
  [120, 'TRANSACTION_ABORTABLE', false, 'The server hit an error the transactional producer can recover from by aborting.'],
  [121, 'INVALID_RECORD_STATE', false, 'The record state is invalid; the acknowledgement was rejected.'],
  [122, 'SHARE_SESSION_NOT_FOUND', true, 'The share session was not found.'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', true, 'The share session epoch is invalid.'],
  [124, 'FENCED_STATE_EPOCH', false, 'The share-group state epoch did not match; the request was rejected.'],
  [125, 'INVALID_VOTER_KEY', false, "The voter key does not match the receiving replica's key."],
  [126, 'DUPLICATE_VOTER', false, 'The voter is already part of the voter set.'],
  [127, 'VOTER_NOT_FOUND', false, 'The voter is not part of the voter set.'],
  [128, 'INVALID_REGULAR_EXPRESSION', false, 'The regular expression is not valid.'],
  [129, 'REBOOTSTRAP_REQUIRED', false, 'The client must rebootstrap to refresh cluster metadata.'],
  [130, 'STREAMS_INVALID_TOPOLOGY', false, 'The supplied streams topology is invalid.'],
  [131, 'STREAMS_INVALID_TOPOLOGY_EPOCH', false, 'The supplied streams topology epoch is invalid.'],
  [132, 'STREAMS_TOPOLOGY_FENCED', false, 'The supplied streams topology epoch is outdated.'],
  [133, 'SHARE_SESSION_LIMIT_REACHED', true, 'The share session limit has been reached.'],
] as const satisfies readonly Row[]

export type ErrorName = (typeof ROWS)[number][1]

export interface KafkaErrorInfo {
  readonly code: number
  readonly name: ErrorName | 'UNKNOWN'
  readonly retriable: boolean
  readonly message: string
}

/** Every known error, ordered by code. */
export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = ROWS.map(([code, name, retriable, message]) =>
  Object.freeze({ code, name, retriable, message }),
)

/** Named codes: `ErrorCode.UNKNOWN_TOPIC_OR_PARTITION === 3`. */
export const ErrorCode = Object.freeze(Object.fromEntries(ROWS.map(([code, name]) => [name, code]))) as {
  readonly [R in (typeof ROWS)[number] as R[1]]: R[0]
}
export type ErrorCode = (typeof ErrorCode)[ErrorName]

const byCode = new Map<number, KafkaErrorInfo>(KAFKA_ERRORS.map((e) => [e.code, e]))
const byName = new Map<string, KafkaErrorInfo>(KAFKA_ERRORS.map((e) => [e.name, e]))

/** The table row for `code`; codes we do not know get a non-retriable 'UNKNOWN' row, never undefined. */
export function errorInfo(code: number): KafkaErrorInfo {
  return byCode.get(code) ?? { code, name: 'UNKNOWN', retriable: false, message: `Unknown error code ${code}.` }
}

export function errorByName(name: ErrorName): KafkaErrorInfo {
  return byName.get(name)!
}

export const errorName = (code: number): ErrorName | 'UNKNOWN' => errorInfo(code).name
export const isRetriable = (code: number): boolean => errorInfo(code).retriable

/** An error carrying a Kafka error code, for code paths that throw and later answer with the code. */
export class KafkaProtocolError extends Error {
  readonly code: number
  readonly retriable: boolean
  readonly errorName: ErrorName | 'UNKNOWN'

  constructor(code: number, message?: string, options?: { cause?: unknown }) {
    const info = errorInfo(code)
    super(message ?? info.message, options)
    this.name = 'KafkaProtocolError'
    this.code = code
    this.retriable = info.retriable
    this.errorName = info.name
  }
}
