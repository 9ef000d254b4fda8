// Coordinator keys: the FindCoordinator key types, and which partition of the coordinator's
// internal topic holds a key — abs(key.hashCode()) % n with Java's String.hashCode (UTF-16 code
// units, 32-bit wrap-around), so that a Kafka broker and Samsa agree on the partition of every
// group and transactional id. Kafka's Utils.abs maps Integer.MIN_VALUE to 0.

/** FindCoordinator key type of a consumer group (__consumer_offsets). */
export const COORDINATOR_KEY_TYPE_GROUP = 0
/** FindCoordinator key type of a transactional id (__transaction_state). */
export const COORDINATOR_KEY_TYPE_TRANSACTION = 1
/** FindCoordinator key type of a share-partition, "group:topicId:partition" (__share_group_state). */
export const COORDINATOR_KEY_TYPE_SHARE = 2

export function javaStringHashCode(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** The partition of an internal topic with `partitions` partitions that holds `key`. */
export function partitionForKey(key: string, partitions: number): number {
  const h = javaStringHashCode(key)
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions
}
