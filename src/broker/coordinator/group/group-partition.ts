// Which __consumer_offsets partition holds a group: abs(groupId.hashCode()) % n with Java's
// String.hashCode (UTF-16 code units, 32-bit wrap-around), so that a Kafka broker and Samsa agree
// on the partition of every group. Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
export function javaStringHashCode(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

export function partitionForGroup(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId)
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions
}
