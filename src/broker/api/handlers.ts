// The handlers a broker serves. Each API family adds its handler module here (one line each);
// ApiVersions advertises exactly this list.
import { apiVersionsHandler } from './api-versions.ts'
import { metadataHandler } from './metadata.ts'
import { describeTopicPartitionsHandler } from './describe-topic-partitions.ts'
import { createTopicsHandler } from './create-topics.ts'
import { deleteTopicsHandler } from './delete-topics.ts'
import { createPartitionsHandler } from './create-partitions.ts'
import { describeConfigsHandler } from './describe-configs.ts'
import { alterConfigsHandler } from './alter-configs.ts'
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.ts'
import { describeClusterHandler } from './describe-cluster.ts'
import { produceHandler } from './produce.ts'
import { fetchHandler } from './fetch.ts'
import { listOffsetsHandler } from './list-offsets.ts'
import { deleteRecordsHandler } from './delete-records.ts'
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.ts'
import { describeLogDirsHandler } from './describe-log-dirs.ts'
import { findCoordinatorHandler } from './find-coordinator.ts'
import { joinGroupHandler } from './join-group.ts'
import { syncGroupHandler } from './sync-group.ts'
import { heartbeatHandler } from './heartbeat.ts'
import { leaveGroupHandler } from './leave-group.ts'
import { offsetCommitHandler } from './offset-commit.ts'
import { offsetFetchHandler } from './offset-fetch.ts'
import { describeGroupsHandler } from './describe-groups.ts'
import { listGroupsHandler } from './list-groups.ts'
import { deleteGroupsHandler } from './delete-groups.ts'
import { offsetDeleteHandler } from './offset-delete.ts'
import { initProducerIdHandler } from './init-producer-id.ts'
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.ts'
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.ts'
import { endTxnHandler } from './end-txn.ts'
import { txnOffsetCommitHandler } from './txn-offset-commit.ts'
import { describeTransactionsHandler } from './describe-transactions.ts'
import { listTransactionsHandler } from './list-transactions.ts'
import { describeProducersHandler } from './describe-producers.ts'
import { electLeadersHandler } from './elect-leaders.ts'
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.ts'
import { updateFeaturesHandler } from './update-features.ts'
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.ts'
import { writeTxnMarkersHandler } from './write-txn-markers.ts'
import { consumerGroupHeartbeatHandler } from './consumer-group-heartbeat.ts'
import { consumerGroupDescribeHandler } from './consumer-group-describe.ts'
import { shareGroupHeartbeatHandler } from './share-group-heartbeat.ts'
import { shareGroupDescribeHandler } from './share-group-describe.ts'
import { shareFetchHandler } from './share-fetch.ts'
import { shareAcknowledgeHandler } from './share-acknowledge.ts'
import { alterShareGroupOffsetsHandler, deleteShareGroupOffsetsHandler, describeShareGroupOffsetsHandler } from './share-group-offsets.ts'
import {
  deleteShareGroupStateHandler, initializeShareGroupStateHandler, readShareGroupStateHandler, readShareGroupStateSummaryHandler, writeShareGroupStateHandler,
} from './share-group-state.ts'
import { saslHandshakeHandler } from './sasl-handshake.ts'
import { saslAuthenticateHandler } from './sasl-authenticate.ts'
import { alterUserScramCredentialsHandler, describeUserScramCredentialsHandler } from './user-scram-credentials.ts'
import { alterClientQuotasHandler, describeClientQuotasHandler } from './client-quotas.ts'
import type { ApiHandler } from './handler.ts'

export const BUILTIN_HANDLERS: readonly ApiHandler[] = [
  apiVersionsHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  deleteRecordsHandler,
  offsetForLeaderEpochHandler,
  describeLogDirsHandler,
  metadataHandler,
  describeTopicPartitionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  initProducerIdHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  txnOffsetCommitHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
  describeProducersHandler,
  writeTxnMarkersHandler,
  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  updateFeaturesHandler,
  listPartitionReassignmentsHandler,
  consumerGroupHeartbeatHandler,
  consumerGroupDescribeHandler,
  shareGroupHeartbeatHandler,
  shareGroupDescribeHandler,
  shareFetchHandler,
  shareAcknowledgeHandler,
  describeShareGroupOffsetsHandler,
  alterShareGroupOffsetsHandler,
  deleteShareGroupOffsetsHandler,
  initializeShareGroupStateHandler,
  readShareGroupStateHandler,
  writeShareGroupStateHandler,
  deleteShareGroupStateHandler,
  readShareGroupStateSummaryHandler,
  saslHandshakeHandler,
  saslAuthenticateHandler,
  describeUserScramCredentialsHandler,
  alterUserScramCredentialsHandler,
  describeClientQuotasHandler,
  alterClientQuotasHandler,
]
