// What the broker's schema validation (confluent.key/value.schema.validation) asks of the registry,
// answered from the replayed state: is an id registered under the subject a strategy names, and
// (mode full) do these bytes decode with it. The broker declares the same shape without importing
// this layer; `samsa start` hands this object to it.
import type { SchemaRegistry } from './schema-registry.ts'

export type BrokerSubjectStrategy = 'TopicNameStrategy' | 'RecordNameStrategy' | 'TopicRecordNameStrategy'

export interface BrokerSchemaLookup {
  registered(topic: string, isKey: boolean, strategy: BrokerSubjectStrategy, id: number): boolean
  conforms(id: number, payload: Buffer): string | null
  refresh(): Promise<void>
}

const REFRESH_MS = 500

export function brokerLookup(registry: SchemaRegistry): BrokerSchemaLookup {
  const liveUnder = (subject: string, id: number) => {
    try {
      return registry.usesOf(id).some((v) => v.subject === subject)
    } catch {
      return false // unknown id
    }
  }
  let refreshing: Promise<void> | undefined
  let lastRefresh = 0
  return {
    registered(topic, isKey, strategy, id) {
      if (strategy === 'TopicNameStrategy') return liveUnder(`${topic}-${isKey ? 'key' : 'value'}`, id)
      let names: string[]
      try {
        names = registry.parsedById(id)?.recordNames() ?? []
      } catch {
        return false
      }
      return names.some((n) => liveUnder(strategy === 'RecordNameStrategy' ? n : `${topic}-${n}`, id))
    },
    conforms(id, payload) {
      const schema = registry.parsedById(id)
      return schema === undefined ? `schema ${id} not found` : schema.validate(payload)
    },
    refresh() {
      // Concurrent produce requests with unknown ids share one catch-up, and a stream of bad
      // batches causes at most one (a NOOP write to _schemas) per REFRESH_MS.
      if (Date.now() - lastRefresh < REFRESH_MS) return Promise.resolve()
      refreshing ??= registry.sync().finally(() => { refreshing = undefined; lastRefresh = Date.now() })
      return refreshing
    },
  }
}
