// `samsa/protocol`: the bytes-only layer. Wire primitives, the api-key table and headers, record
// batches and compression, Kafka's error table. Message codecs stay in their own modules
// (generated/messages/<api>.ts) so that importing this entry does not load all 79 of them;
// API_SPECS reaches every one by api key.
export * from './primitives/index.ts'
export * from './generated/index.ts'
export * from './records/index.ts'
export * from './errors.ts'
