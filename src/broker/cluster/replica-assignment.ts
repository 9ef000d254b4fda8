// Where a new partition's replicas go. Like Kafka: leaders (first replicas) go round-robin over
// the brokers from a random start, so topics do not all pile their leaders on the lowest id;
// followers follow the leader at a shift that grows each time the round-robin wraps, so the
// copies of one broker's partitions spread over all the others. With broker.rack set, brokers
// are ordered alternating racks and each partition takes a broker from every rack before
// reusing one (losing a rack then never loses every copy).

export interface AssignableBroker {
  readonly id: number
  readonly rack: string | null
}

export class AssignmentError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AssignmentError'
  }
}

/** Brokers ordered so consecutive entries sit in different racks where possible. */
export function rackAlternated(brokers: readonly AssignableBroker[]): AssignableBroker[] {
  const sorted = [...brokers].sort((a, b) => a.id - b.id)
  if (sorted.every((b) => b.rack === null)) return sorted
  const byRack = new Map<string, AssignableBroker[]>()
  for (const b of sorted) {
    const rack = b.rack ?? ''
    let list = byRack.get(rack)
    if (!list) byRack.set(rack, (list = []))
    list.push(b)
  }
  const racks = [...byRack.keys()].sort()
  const out: AssignableBroker[] = []
  for (let round = 0; out.length < sorted.length; round++) {
    for (const r of racks) {
      const b = byRack.get(r)![round]
      if (b) out.push(b)
    }
  }
  return out
}

/**
 * Replica lists for partitions `first .. first + count - 1` with `rf` replicas each.
 * `start` (0 <= start < 1) picks the first leader; pass a random number.
 */
export function assignReplicas(brokers: readonly AssignableBroker[], count: number, rf: number, first: number, start: number): number[][] {
  if (brokers.length === 0) throw new AssignmentError('no brokers are registered')
  if (rf > brokers.length) {
    throw new AssignmentError(`replication factor ${rf} is larger than the ${brokers.length} registered broker(s)`)
  }
  const ordered = rackAlternated(brokers)
  const n = ordered.length
  const offset = Math.floor(start * n) % n
  const out: number[][] = []
  for (let p = first; p < first + count; p++) {
    const lead = (offset + p) % n
    const shift = n > 1 ? 1 + (Math.floor(p / n) % (n - 1)) : 0
    const leader = ordered[lead]!
    const replicas = [leader]
    const usedRacks = new Set([leader.rack])
    // The others from the shift on, wrapping; a rack not yet used wins while any is left.
    const others = Array.from({ length: n }, (_, j) => ordered[(lead + shift + j) % n]!).filter((b) => b !== leader)
    while (replicas.length < rf) {
      const remaining = others.filter((b) => !replicas.includes(b))
      const pick = remaining.find((b) => !usedRacks.has(b.rack)) ?? remaining[0]!
      replicas.push(pick)
      usedRacks.add(pick.rack)
    }
    out.push(replicas.map((b) => b.id))
  }
  return out
}
