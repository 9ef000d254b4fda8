// Which __consumer_offsets partition holds a group (coordinator-key.ts has the one hash).
import { partitionForKey } from '../coordinator-key.ts'

export { javaStringHashCode } from '../coordinator-key.ts'

export function partitionForGroup(groupId: string, partitions: number): number {
  return partitionForKey(groupId, partitions)
}
