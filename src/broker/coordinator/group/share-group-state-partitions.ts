// Which share-partitions of a share group have state in __share_group_state (Kafka's
// ShareGroupStatePartitionMetadata record, type 15, keyed by the group): describing all of a
// group's offsets and deleting the group ask the share coordinators about these partitions only,
// not about every partition of every topic. Samsa marks a topic's partitions when the group first
// subscribes to them (the partition leader creates their state on first fetch, at
// share.auto.offset.reset; until then their start offset reads as -1, as in Kafka between the
// coordinator's initialization and the first fetch) and when AlterShareGroupOffsets sets them;
// DeleteShareGroupOffsets takes a topic out. The record always carries the whole set.
import type { ShareGroupStatePartitionMetadataValue } from './share-group-records.ts'

/** topic id → its name and the partitions with state. */
export type StatePartitions = Map<string, { readonly name: string, readonly partitions: Set<number> }>

/** `current` plus `add`, or null when `add` brings nothing new. */
export function addStatePartitions(current: StatePartitions | null, add: ReadonlyMap<string, { name: string, partitions: Iterable<number> }>): StatePartitions | null {
  const out: StatePartitions = new Map([...(current ?? new Map())].map(([id, t]) => [id, { name: t.name, partitions: new Set(t.partitions) }]))
  let changed = current === null && add.size > 0
  for (const [topicId, t] of add) {
    let entry = out.get(topicId)
    if (!entry) {
      entry = { name: t.name, partitions: new Set() }
      out.set(topicId, entry)
      changed = true
    }
    for (const p of t.partitions) {
      if (entry.partitions.has(p)) continue
      entry.partitions.add(p)
      changed = true
    }
  }
  return changed ? out : null
}

/** `current` without `topicId`, or null when it was not there. */
export function removeStateTopic(current: StatePartitions | null, topicId: string): StatePartitions | null {
  if (!current?.has(topicId)) return null
  const out: StatePartitions = new Map(current)
  out.delete(topicId)
  return out
}

export function statePartitionsValue(sp: StatePartitions): ShareGroupStatePartitionMetadataValue {
  return {
    initializingTopics: [],
    initializedTopics: [...sp].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
      .map(([topicId, t]) => ({ topicId, topicName: t.name, partitions: [...t.partitions].sort((x, y) => x - y) })),
    deletingTopics: [],
  }
}

/** What a record holds: the initialized topics (those still initializing count too: their state may exist). */
export function statePartitionsOf(v: ShareGroupStatePartitionMetadataValue): StatePartitions {
  const out: StatePartitions = new Map()
  for (const t of [...v.initializedTopics, ...v.initializingTopics]) {
    const e = out.get(t.topicId) ?? { name: t.topicName, partitions: new Set<number>() }
    for (const p of t.partitions) e.partitions.add(p)
    out.set(t.topicId, e)
  }
  return out
}
