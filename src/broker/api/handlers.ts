// The handlers a broker serves. Each API family adds its handler module here (one line each);
// ApiVersions advertises exactly this list.
import { apiVersionsHandler } from './api-versions.ts'
import { metadataHandler } from './metadata.ts'
import { createTopicsHandler } from './create-topics.ts'
import { produceHandler } from './produce.ts'
import { fetchHandler } from './fetch.ts'
import { listOffsetsHandler } from './list-offsets.ts'
import type { ApiHandler } from './handler.ts'

export const BUILTIN_HANDLERS: readonly ApiHandler[] = [
  apiVersionsHandler,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  createTopicsHandler,
]
