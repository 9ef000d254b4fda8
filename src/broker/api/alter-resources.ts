// Shared loop of AlterConfigs and IncrementalAlterConfigs: a resource named twice in one request
// fails with INVALID_REQUEST (as in Kafka); the others are altered one after the other, because
// two changes of the broker config layers must not interleave.
import { ErrorCode } from '../../protocol/errors.ts'

interface Resource {
  resourceType: number
  resourceName: string
}

interface AlterResult {
  errorCode: number
  errorMessage: string | null
}

export async function alterEachResource<R extends Resource>(
  resources: readonly R[],
  alter: (r: R) => Promise<AlterResult>,
): Promise<(AlterResult & Resource)[]> {
  const key = (r: Resource): string => `${r.resourceType}:${r.resourceName}`
  const counts = new Map<string, number>()
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1)
  const responses: (AlterResult & Resource)[] = []
  for (const r of resources) {
    const res = counts.get(key(r))! > 1
      ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Resource is given more than once in the request.' }
      : await alter(r)
    responses.push({ ...res, resourceType: r.resourceType, resourceName: r.resourceName })
  }
  return responses
}
