// Describe and change configs of the resources DescribeConfigs / AlterConfigs /
// IncrementalAlterConfigs name: a topic (its overrides, persisted in the metadata store and applied
// to its live logs), this broker (resource name = node id: the per-broker dynamic layer) and the
// cluster default (resource name "": the cluster-wide dynamic layer). Every failure is a Kafka
// error code for that one resource.
import { ErrorCode } from '../../protocol/errors.ts'
import type { BrokerConfig } from '../config/broker-config.ts'
import type { Logger } from 'pino'
import type { ReplicaManager } from '../replica/replica-manager.ts'
import { formatConfigValue } from '../config/config-table.ts'
import { describeBrokerConfigs, describeListenerOverrides, describeTopicConfigs } from '../config/describe.ts'
import type { DescribedConfig, DescribeOptions } from '../config/describe.ts'
import { applyTopicConfigOps, replaceTopicConfigs } from '../config/alter.ts'
import { ConfigSource } from '../config/broker-config.ts'
import type { TopicService } from './topic-service.ts'
import { topicNameProblem } from './topic-names.ts'
import { errorOf, topicError } from './topic-errors.ts'
import { brokerDefOf } from './dynamic-broker-configs.ts'
import { isTlsKey } from '../security/tls-reload.ts'
import type { PreparedTls, TlsReloader } from '../security/tls-reload.ts'
import type { DynamicBrokerConfigs } from './dynamic-broker-configs.ts'
import type { DynamicScope } from './dynamic-broker-configs.ts'
import { GROUP_CONFIG_DEFS, GROUP_CONFIG_DEF_BY_NAME } from './group-configs.ts'
import type { GroupConfigs } from './group-configs.ts'

/** Kafka's ConfigResource.Type codes. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, GROUP: 32 } as const

/** Kafka's ConfigSource.DYNAMIC_GROUP_CONFIG and ConfigType STRING / INT codes (DescribeConfigs). */
const DYNAMIC_GROUP_CONFIG = 8
const CONFIG_TYPE = { string: 2, int: 3 } as const

/** IncrementalAlterConfigs operations. */
export const AlterOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const

export interface DescribeResult {
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly configs: readonly DescribedConfig[]
}

export interface AlterResult {
  readonly errorCode: number
  readonly errorMessage: string | null
}

export interface IncrementalOp {
  readonly name: string
  readonly op: number
  readonly value: string | null
}

type Target = { kind: 'topic', name: string } | { kind: 'broker', scope: DynamicScope } | { kind: 'group', groupId: string }

export interface ConfigAdminDeps {
  readonly config: BrokerConfig
  readonly nodeId: number
  readonly topics: TopicService
  /** Told when a broker-level default changes (every topic's effective config may change). */
  readonly replicas: ReplicaManager
  readonly dynamic: DynamicBrokerConfigs
  /** Per-group configs (GROUP resources). */
  readonly groups: GroupConfigs
  readonly log: Logger
  /** Told after a dynamic broker config layer changed (connection limits may have been raised). */
  readonly brokerConfigsChanged?: () => void
  /** Rebuilds TLS listeners' key and trust material when a change touches ssl.* keys. */
  readonly tls?: TlsReloader
}

export class ConfigAdmin {
  readonly dynamic: DynamicBrokerConfigs
  readonly groups: GroupConfigs
  private readonly topics: TopicService

  constructor(private readonly broker: ConfigAdminDeps) {
    this.topics = broker.topics
    this.dynamic = broker.dynamic
    this.groups = broker.groups
  }

  /** Which resource a (type, name) pair means; throws KafkaProtocolError for anything else. */
  private target(type: number, name: string): Target {
    if (type === ConfigResourceType.TOPIC) {
      const problem = topicNameProblem(name)
      if (problem) throw topicError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem)
      if (!this.topics.topic(name)) throw topicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`)
      return { kind: 'topic', name }
    }
    if (type === ConfigResourceType.BROKER) {
      if (name === '') return { kind: 'broker', scope: 'cluster-wide' }
      if (name === String(this.broker.nodeId)) return { kind: 'broker', scope: 'per-broker' }
      throw topicError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${this.broker.nodeId} or empty string, but received ${name}`)
    }
    if (type === ConfigResourceType.GROUP) {
      if (name === '') throw topicError(ErrorCode.INVALID_REQUEST, 'Group name must not be empty.')
      return { kind: 'group', groupId: name }
    }
    throw topicError(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${type} for configs (supported: topic 2, broker 4, group 32)`)
  }

  describe(type: number, name: string, keys: readonly string[] | null, opts: DescribeOptions): DescribeResult {
    try {
      const t = this.target(type, name)
      const configs = t.kind === 'group' ? this.describeGroup(t.groupId, keys, opts) : t.kind === 'topic'
        ? describeTopicConfigs(this.broker.config, this.topics.topic(t.name)!.configs, keys, opts)
        : t.scope === 'per-broker'
          ? [...describeBrokerConfigs(this.broker.config, keys, opts), ...describeListenerOverrides(this.broker.config, keys, opts, false)]
          : [...this.describeClusterDefaults(keys, opts), ...describeListenerOverrides(this.broker.config, keys, opts, true)]
      return { errorCode: ErrorCode.NONE, errorMessage: null, configs }
    } catch (err) {
      const { code, message } = errorOf(err)
      return { errorCode: code, errorMessage: message, configs: [] }
    }
  }

  /** A group's configs: its overrides (DYNAMIC_GROUP_CONFIG) over the broker defaults. */
  private describeGroup(groupId: string, keys: readonly string[] | null, opts: DescribeOptions): DescribedConfig[] {
    const set = this.groups.entries(groupId)
    const defs = keys === null ? GROUP_CONFIG_DEFS : GROUP_CONFIG_DEFS.filter((d) => keys.includes(d.name))
    return defs.map((d) => {
      const own = set.get(d.name)
      return {
        name: d.name, value: own ?? d.dflt(this.broker.config), readOnly: false,
        source: (own !== undefined ? DYNAMIC_GROUP_CONFIG : ConfigSource.DEFAULT_CONFIG) as DescribedConfig['source'],
        isDefault: own === undefined, isSensitive: false, synonyms: [], configType: CONFIG_TYPE[d.type],
        documentation: opts.includeDocumentation ? d.doc : null,
      }
    })
  }

  /** The cluster-wide dynamic defaults (resource name ""): only the keys set in that layer. */
  private describeClusterDefaults(keys: readonly string[] | null, opts: DescribeOptions): DescribedConfig[] {
    const layer = this.dynamic.entries('cluster-wide')
    return describeBrokerConfigs(this.broker.config, keys ?? [...layer.keys()], opts)
      .filter((e) => layer.has(e.name))
      // As in Kafka, the cluster default resource lists only synonyms from the cluster-default layer.
      .map((e) => ({ ...e, value: e.isSensitive ? null : layer.get(e.name)!, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, isDefault: false,
        synonyms: e.synonyms.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG) }))
  }

  /** AlterConfigs: the given entries become the resource's whole set of overrides. */
  alter(type: number, name: string, entries: readonly { name: string, value: string | null }[], validateOnly: boolean): Promise<AlterResult> {
    return this.change(type, name, validateOnly, (_current, t) => {
      const seen = new Set<string>()
      for (const e of entries) {
        if (seen.has(e.name)) throw topicError(ErrorCode.INVALID_REQUEST, `Config ${e.name} is given more than once.`)
        seen.add(e.name)
        if (e.value === null) throw topicError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${e.name}`)
      }
      if (t.kind === 'topic') return new Map(Object.entries(replaceTopicConfigs(entries)))
      if (t.kind === 'group') return new Map(entries.map((e) => [e.name, e.value!]))
      return new Map(entries.map((e) => [e.name, e.value!]))
    })
  }

  /** IncrementalAlterConfigs: SET / DELETE / APPEND / SUBTRACT applied to the current overrides. */
  alterIncremental(type: number, name: string, ops: readonly IncrementalOp[], validateOnly: boolean): Promise<AlterResult> {
    return this.change(type, name, validateOnly, (current, t) => {
      if (t.kind === 'topic') return new Map(Object.entries(applyTopicConfigOps(this.broker.config, Object.fromEntries(current), ops)))
      if (t.kind === 'group') return this.applyGroupOps(current, ops)
      return this.applyBrokerOps(current, ops)
    })
  }

  /** SET / DELETE on a group's overrides (its keys are not lists). */
  private applyGroupOps(current: ReadonlyMap<string, string>, ops: readonly IncrementalOp[]): Map<string, string> {
    const next = new Map(current)
    for (const o of ops) {
      if (!GROUP_CONFIG_DEF_BY_NAME.has(o.name)) throw topicError(ErrorCode.INVALID_CONFIG, `${o.name}: unknown group config`)
      if (o.op === AlterOp.DELETE) next.delete(o.name)
      else if (o.op === AlterOp.SET && o.value !== null) next.set(o.name, o.value)
      else throw topicError(ErrorCode.INVALID_CONFIG, `${o.name}: only SET and DELETE apply to group configs`)
    }
    return next
  }

  /** The same operations on a dynamic broker layer (values are validated when the layer is replaced). */
  private applyBrokerOps(current: ReadonlyMap<string, string>, ops: readonly IncrementalOp[]): Map<string, string> {
    const next = new Map(current)
    const seen = new Set<string>()
    for (const o of ops) {
      if (seen.has(o.name)) throw topicError(ErrorCode.INVALID_CONFIG, `Config ${o.name} is altered more than once.`)
      seen.add(o.name)
      const def = brokerDefOf(o.name)
      if (o.op === AlterOp.DELETE) {
        next.delete(o.name)
        continue
      }
      if (o.value === null) throw topicError(ErrorCode.INVALID_CONFIG, `Null value not supported for : ${o.name}`)
      if (o.op === AlterOp.SET) {
        next.set(o.name, o.value)
      } else if (o.op === AlterOp.APPEND || o.op === AlterOp.SUBTRACT) {
        if (def.type !== 'list') throw topicError(ErrorCode.INVALID_CONFIG, `${o.name}: APPEND and SUBTRACT need a list config (this one is ${def.type})`)
        const items = splitList(o.value)
        const base = next.has(o.name) ? splitList(next.get(o.name)!) : splitList(formatConfigValue(def, this.broker.config.get(o.name)) ?? '')
        next.set(o.name, (o.op === AlterOp.APPEND ? [...base, ...items.filter((i) => !base.includes(i))] : base.filter((i) => !items.includes(i))).join(','))
      } else {
        throw topicError(ErrorCode.INVALID_CONFIG, `${o.name}: unknown operation ${o.op} (expected 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`)
      }
    }
    return next
  }

  private async change(type: number, name: string, validateOnly: boolean,
    compute: (current: ReadonlyMap<string, string>, t: Target) => Map<string, string>): Promise<AlterResult> {
    try {
      const t = this.target(type, name)
      if (t.kind === 'group') {
        await this.groups.replace(t.groupId, compute(this.groups.entries(t.groupId), t), validateOnly)
      } else if (t.kind === 'topic') {
        const current = new Map(Object.entries(this.topics.topic(t.name)!.configs))
        const next = compute(current, t)
        await this.topics.setTopicConfigs(t.name, Object.fromEntries(next), { validateOnly })
      } else {
        const current = this.dynamic.entries(t.scope)
        const next = compute(current, t)
        const tls = this.broker.tls
        // Setting a key store path again reloads its file (rewritten in place), as in Kafka.
        const touchesTls = tls !== undefined && [...current.keys(), ...next.keys()].some(isTlsKey)
        let prepared: PreparedTls | undefined
        await this.dynamic.replace(t.scope, next, validateOnly, touchesTls ? () => { prepared = tls.prepare() } : undefined)
        if (!validateOnly && prepared) tls!.commit(prepared)
        if (!validateOnly) {
          this.broker.log.info({ scope: t.scope, configs: Object.fromEntries(next) }, 'dynamic broker configs changed')
          this.broker.replicas.brokerDefaultsChanged((topic) => this.topics.topic(topic)?.configs)
          this.broker.brokerConfigsChanged?.()
        }
      }
      return { errorCode: ErrorCode.NONE, errorMessage: null }
    } catch (err) {
      const { code, message } = errorOf(err)
      return { errorCode: code, errorMessage: message }
    }
  }
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '')
}
