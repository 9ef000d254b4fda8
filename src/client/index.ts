// `samsa/client`: a Kafka client for Node.js on Samsa's generated protocol layer. It talks to any
// Kafka-compatible broker and never imports the broker or storage layers.
export { Producer } from './producer/producer.ts'
export type { ProducerOptions, ProducerRecord, RecordMetadata, Serializer, Bytes } from './producer/producer.ts'
export type { Partitioner, PartitionerContext } from './producer/partitioner.ts'
export { murmur2, keyPartition } from './producer/murmur2.ts'
export type { ClientOptions } from './options.ts'
export { KafkaClientError, KafkaError, ConnectionError, RequestTimeoutError, ClientConfigError, AbortedError, UnsupportedVersionError } from './errors.ts'
export { requestChannel } from './net/connection.ts'
export { Consumer } from './consumer/consumer.ts'
export type { ConsumerOptions, Message, RebalanceListener, Deserializer } from './consumer/consumer.ts'
export type { RecordHeader } from './consumer/message.ts'
export type { TopicPartition, TopicPartitionOffset } from './offsets.ts'
