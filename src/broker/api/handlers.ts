// The handlers a broker serves. Each API family adds its handler module here (one line each);
// ApiVersions advertises exactly this list.
import { apiVersionsHandler } from './api-versions.ts'
import { metadataHandler } from './metadata.ts'
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
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
]
