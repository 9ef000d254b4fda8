// Public entry point of 'samsa/broker': start a broker in-process (e.g. in a test suite).
export { startBroker, runBroker } from './broker.ts'
export type { Broker, StartBrokerOptions, RunningBroker, RunBrokerOptions } from './broker.ts'
export { BrokerConfig, ConfigError, loadBrokerConfig } from './config/index.ts'
export type { RawConfig, BrokerConfigs, TopicConfigs, BrokerConfigName, TopicConfigName } from './config/index.ts'
export { startCluster } from './embedded-cluster.ts'
export type { Cluster, ClusterBroker, StartClusterOptions } from './embedded-cluster.ts'
