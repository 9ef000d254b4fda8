// One classic-protocol group (KIP-62/345 era Kafka): members, generation, selected protocol,
// leader. Holds both durable fields (written as GroupMetadataValue) and the in-flight rebalance
// state (parked JoinGroup/SyncGroup answers, pending members), which is ephemeral as in Kafka:
// after a restart the members simply heartbeat or rejoin.
import { subscribedTopicsOf } from './subscribed-topics.ts'
import type { JoinResult, SyncResult } from './results.ts'

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']

/** Kafka's allowed transitions (GroupMetadata.scala validPreviousStates). */
const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
}

export interface Protocol {
  readonly name: string
  readonly metadata: Buffer
}

export interface Member {
  readonly memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  protocolType: string
  protocols: Protocol[]
  assignment: Buffer
  /** Parked JoinGroup answer while the group rebalances. */
  awaitingJoin: ((r: JoinResult) => void) | null
  /** Parked SyncGroup answer until the leader's assignment is stored. */
  awaitingSync: ((r: SyncResult) => void) | null
  /** Joined during the current rebalance without being a member before (new-member join timeout applies). */
  isNew: boolean
}

export class ClassicGroup {
  state: GroupState = 'Empty'
  /** When the group entered its state (ms); null when unknown (loaded from an old record). */
  stateTimestamp: number | null
  generationId = 0
  protocolType: string | null = null
  protocolName: string | null = null
  leaderId: string | null = null
  readonly members = new Map<string, Member>()
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>()
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined. */
  readonly pendingMembers = new Set<string>()
  /** Members that got a JoinGroup answer and have not synced yet. */
  readonly pendingSyncMembers = new Set<string>()
  /** protocol name -> how many members support it */
  private readonly supported = new Map<string, number>()
  numAwaitingJoin = 0
  /** A member joined during the initial (delayed) rebalance of an empty group. */
  newMemberAdded = false
  /** Topics the members subscribe to (consumer protocol only); null when unknown. */
  subscribedTopics: Set<string> | null = null

  constructor(readonly groupId: string, now: number) {
    this.stateTimestamp = now
  }

  is(s: GroupState): boolean {
    return this.state === s
  }

  transitionTo(s: GroupState, now: number): void {
    if (!VALID_PREVIOUS[s].includes(this.state)) throw new Error(`group ${this.groupId}: invalid transition ${this.state} -> ${s}`)
    this.state = s
    this.stateTimestamp = now
  }

  get size(): number {
    return this.members.size
  }

  has(memberId: string): boolean {
    return this.members.has(memberId)
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId
  }

  add(m: Member): void {
    if (this.members.size === 0) this.protocolType = m.protocolType
    this.members.set(m.memberId, m)
    this.incSupported(m)
    if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId)
    if (m.awaitingJoin) this.numAwaitingJoin++
    if (this.leaderId === null) this.leaderId = m.memberId
  }

  remove(memberId: string): Member | undefined {
    const m = this.members.get(memberId)
    if (!m) return undefined
    this.members.delete(memberId)
    this.decSupported(m)
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId) this.staticMembers.delete(m.groupInstanceId)
    if (m.awaitingJoin) this.numAwaitingJoin--
    this.pendingSyncMembers.delete(memberId)
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null
    return m
  }

  // A member counts once per protocol name: a JoinGroup may list a name twice (Kafka counts it twice,
  // finds no candidate and fails the rebalance with an exception); the first entry is the one used.
  private incSupported(m: Member): void {
    for (const name of new Set(m.protocols.map((p) => p.name))) this.supported.set(name, (this.supported.get(name) ?? 0) + 1)
  }

  private decSupported(m: Member): void {
    for (const name of new Set(m.protocols.map((p) => p.name))) {
      const n = (this.supported.get(name) ?? 0) - 1
      if (n <= 0) this.supported.delete(name)
      else this.supported.set(name, n)
    }
  }

  /** Replaces a member's protocols and timeouts (a rejoin). */
  updateMember(m: Member, protocols: Protocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number): void {
    this.decSupported(m)
    m.protocols = protocols
    this.incSupported(m)
    m.rebalanceTimeoutMs = rebalanceTimeoutMs
    m.sessionTimeoutMs = sessionTimeoutMs
  }

  setAwaitingJoin(m: Member, cb: ((r: JoinResult) => void) | null): void {
    if (m.awaitingJoin && !cb) this.numAwaitingJoin--
    else if (!m.awaitingJoin && cb) this.numAwaitingJoin++
    m.awaitingJoin = cb
  }

  /** Answers a parked JoinGroup (if any). */
  invokeJoin(m: Member, r: JoinResult): void {
    const cb = m.awaitingJoin
    if (!cb) return
    this.setAwaitingJoin(m, null)
    cb(r)
  }

  invokeSync(m: Member, r: SyncResult): void {
    const cb = m.awaitingSync
    if (!cb) return
    m.awaitingSync = null
    cb(r)
  }

  /** Kafka's supportsProtocols: a joining member must share a protocol every current member supports. */
  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && names.length > 0
    return this.protocolType === protocolType && names.some((n) => this.supported.get(n) === this.members.size)
  }

  /** Candidates are the protocols every member supports; each member votes for its first candidate. */
  selectProtocol(): string {
    const candidates: string[] = []
    for (const [name, count] of this.supported) if (count === this.members.size) candidates.push(name)
    if (candidates.length === 0) throw new Error(`group ${this.groupId}: no protocol supported by all members`)
    const votes = new Map<string, number>()
    for (const m of this.members.values()) {
      const pick = m.protocols.find((p) => candidates.includes(p.name))!.name
      votes.set(pick, (votes.get(pick) ?? 0) + 1)
    }
    let best = candidates[0]
    for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c
    return best
  }

  /** Whether `protocols` equal what the member already has (a rejoin without changes). */
  static matches(m: Member, protocols: readonly Protocol[]): boolean {
    return m.protocols.length === protocols.length &&
      m.protocols.every((p, i) => p.name === protocols[i].name && p.metadata.equals(protocols[i].metadata))
  }

  metadataOf(m: Member, protocol: string | null): Buffer {
    return m.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0)
  }

  hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0
  }

  /** Largest rebalance timeout of the members: how long a rebalance waits. */
  rebalanceTimeoutMs(): number {
    let t = 0
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs)
    return t
  }

  /** True when `memberId` is not the member currently holding `groupInstanceId` (KIP-345 fencing). */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false
    const current = this.staticMembers.get(groupInstanceId)
    return current !== undefined && current !== memberId
  }

  /** Starts the next generation once the join phase is over. */
  initNextGeneration(now: number): void {
    this.generationId++
    this.pendingSyncMembers.clear()
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol()
      this.subscribedTopics = this.computeSubscribedTopics()
      this.transitionTo('CompletingRebalance', now)
    } else {
      this.protocolName = null
      this.subscribedTopics = this.computeSubscribedTopics()
      this.transitionTo('Empty', now)
    }
  }

  /** For protocol type "consumer": the union of the members' subscribed topics; null if undecodable. */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== 'consumer') return null
    const topics = new Set<string>()
    if (this.members.size === 0) return topics
    for (const m of this.members.values()) {
      const md = this.metadataOf(m, this.protocolName)
      try {
        for (const t of subscribedTopicsOf(md)) topics.add(t)
      } catch {
        return null
      }
    }
    return topics
  }
}
