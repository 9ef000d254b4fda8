// Server-side assignors of the consumer protocol (`group.consumer.assignors`, chosen per member
// with ServerAssignor): `uniform` (uniform-assignor.ts) balances and keeps partitions where they
// are; `range` (range-assignor.ts) gives each topic's partitions in contiguous ranges so equally
// partitioned topics are co-partitioned. Both prefer rack-aligned placements (assignor-racks.ts).
import type { Assignment } from './consumer-group.ts'
import { rangeAssign } from './range-assignor.ts'
import { uniformAssign } from './uniform-assignor.ts'

export { rangeAssign } from './range-assignor.ts'
export { uniformAssign } from './uniform-assignor.ts'

export interface AssignorMember {
  readonly memberId: string
  /** Subscribed topic ids (already resolved from names and regex). */
  readonly topics: ReadonlySet<string>
  /** The member's RackId; null or absent: no rack. */
  readonly rack?: string | null
}

export interface AssignorInput {
  readonly members: readonly AssignorMember[]
  /** topic id → partition count, for every subscribed topic that exists. */
  readonly partitions: ReadonlyMap<string, number>
  /** The current target assignment (stickiness). */
  readonly previous: ReadonlyMap<string, Assignment>
  /** Racks of a partition's replicas (empty when unknown); absent: no rack information. */
  readonly partitionRacks?: (topicId: string, partition: number) => readonly string[]
}

export type Assignor = (input: AssignorInput) => Map<string, Assignment>

export const ASSIGNORS: Readonly<Record<string, Assignor>> = { uniform: uniformAssign, range: rangeAssign }
