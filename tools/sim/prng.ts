// The simulation's only source of randomness: mulberry32 (Tommy Ettinger's 32-bit generator, public
// domain, written here from its definition), seeded per run. Every choice the simulation makes —
// message delays, drops, faults, the workload — comes from one instance, consumed in event order,
// so a seed replays exactly. Math.random is never used on the simulated path.

export class Prng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[this.int(0, items.length)]!
  }

  /** A new generator seeded from this one (a sub-stream whose draws do not shift this one's later). */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4294967296))
  }
}
