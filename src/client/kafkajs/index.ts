// `samsa/client/kafkajs`: KafkaJS's API on samsa/client. Code written for KafkaJS
// (`new Kafka({...}).producer()/consumer()/admin()`) runs by changing the import.
export { Kafka } from './kafka.ts'
export type { ClientOptionsFactory } from './kafka.ts'
export { KafkaJsProducer } from './producer.ts'
export type { Transaction } from './producer.ts'
export { KafkaJsConsumer } from './consumer.ts'
export { KafkaJsAdmin, ConfigResourceTypes } from './admin.ts'
export type { ITopicConfig, ConfigEntries, DescribeConfigResponse } from './admin.ts'
export { logLevel } from './logger.ts'
export type { Logger, LogEntry, LoggerEntryContent, logCreator } from './logger.ts'
export { CompressionTypes } from './types.ts'
export { Partitioners } from './partitioners.ts'
export { AssignerProtocol, PartitionAssigners } from './assigners.ts'
export type { PartitionAssigner, KafkaJsAssigner, AssignerCluster, MemberMetadataValue, MemberAssignmentValue } from './assigners.ts'
export { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } from './acls.ts'
export type { AclEntry, AclFilterEntry, DescribeAclResource } from './acls.ts'
export type { ICustomPartitioner, PartitionerArgs } from './partitioners.ts'
export type * from './types.ts'
export type { InstrumentationEvent, RemoveInstrumentationEventListener } from './events.ts'
export {
  KafkaJSError, KafkaJSNonRetriableError, KafkaJSProtocolError, KafkaJSOffsetOutOfRange, KafkaJSCreateTopicError, KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError, KafkaJSRequestTimeoutError, KafkaJSServerDoesNotSupportApiKey, KafkaJSTopicMetadataNotLoaded, KafkaJSTimeout,
  KafkaJSDeleteGroupsError, KafkaJSAggregateError, KafkaJSAlterPartitionReassignmentsError,
} from './errors.ts'

/** KafkaJS's names for the client classes' types. */
export type { KafkaJsProducer as Producer } from './producer.ts'
export type { KafkaJsConsumer as Consumer } from './consumer.ts'
export type { KafkaJsAdmin as Admin } from './admin.ts'
