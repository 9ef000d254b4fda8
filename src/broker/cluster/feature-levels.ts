// Cluster-wide feature levels (KIP-584, as KRaft keeps them in FeatureLevelRecords): each broker
// registers the version range of every feature it supports; the controller finalizes a feature at
// the highest level every live broker supports, writing `/features/<name>` guarded by its
// controller epoch, so every broker's image — and every ApiVersions answer — agrees. Levels only
// go up here (Kafka's brokers refuse to register below a finalized level; a Samsa broker of this
// version supports every level it finalizes), and never for a feature an operator set through
// UpdateFeatures (api/update-features.ts): that level stays as set, up or down. Store trouble is retried on a timer; a lost
// compare-and-swap (another controller) is recomputed from the next image.
import { CoalescedRun } from './coalesced-run.ts'
import type { Logger } from 'pino'
import { ControllerElection } from './controller-election.ts'
import type { MetadataDelta } from './metadata-delta.ts'
import type { MetadataImage } from './metadata-image.ts'
import { FEATURES_PREFIX, featureKey, parseFeatureLevelRecord } from './metadata-records.ts'
import type { SupportedFeatureRange } from './metadata-records.ts'
import type { MetadataStore } from './store/metadata-store.ts'

export const TRANSACTION_VERSION = 'transaction.version'

/** What this broker supports (its registration carries it). */
export const SUPPORTED_FEATURES: Readonly<Record<string, SupportedFeatureRange>> = Object.freeze({
  [TRANSACTION_VERSION]: Object.freeze({ min: 0, max: 2 }),
})

const RETRY_MS = 1000

/**
 * The level each supported feature can be finalized at: the smallest maximum over the live
 * brokers (one without the feature, or registered before brokers listed features, caps it at 0).
 */
export function finalizableLevels(image: MetadataImage): Map<string, number> {
  const out = new Map<string, number>()
  for (const [name, mine] of Object.entries(SUPPORTED_FEATURES)) {
    let level = mine.max
    for (const b of image.brokers.values()) level = Math.min(level, b.features?.[name]?.max ?? 0)
    out.set(name, level)
  }
  return out
}

export class FeatureFinalizer {
  private latest: MetadataImage | undefined
  private readonly run = new CoalescedRun(() => this.finalize())
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly store: MetadataStore, private readonly election: ControllerElection, private readonly log: Logger) {}

  /** A metadata publisher: on the controller, when brokers, features or the claim changed. */
  onDelta = (delta: MetadataDelta): void => {
    this.latest = delta.image
    if (!this.election.isController(delta.image)) return
    const b = delta.before
    const i = delta.image
    if (b.brokers !== i.brokers || b.features !== i.features || b.controller?.epoch !== i.controller?.epoch) this.run.kick()
  }

  private async finalize(): Promise<void> {
    const image = this.latest
    if (!image || !this.election.isController(image) || image.brokers.size === 0) return
    if (![...finalizableLevels(image)].some(([name, level]) => level > image.featureLevel(name) && !image.featurePinned(name))) return
    try {
      // Read what is stored, and write guarded by each key's mod revision: an operator's level
      // (UpdateFeatures, pinned) written meanwhile is never overwritten.
      const stored = new Map((await this.store.range(FEATURES_PREFIX)).kvs.map((kv) => [kv.key, kv]))
      const raise = [...finalizableLevels(image)].flatMap(([name, level]) => {
        const kv = stored.get(featureKey(name))
        const now = kv ? parseFeatureLevelRecord(kv.key, kv.value) : { level: 0 }
        return now.pinned === true || level <= now.level ? [] : [{ name, level, from: now.level, modRevision: kv?.modRevision ?? 0 }]
      })
      if (raise.length === 0) return
      const r = await this.store.txn({
        compare: [ControllerElection.guard(image), ...raise.map((f) => ({ key: featureKey(f.name), target: 'modRevision' as const, equals: f.modRevision }))],
        success: raise.map((f) => ({ type: 'put' as const, key: featureKey(f.name), value: JSON.stringify({ level: f.level }) })),
      })
      if (r.succeeded) for (const f of raise) this.log.info({ feature: f.name, level: f.level, from: f.from }, 'finalized feature level')
    } catch (err) {
      if (this.run.isClosed) return
      this.log.warn({ err }, 'writing finalized feature levels failed; retrying')
      clearTimeout(this.timer)
      this.timer = setTimeout(() => this.run.kick(), RETRY_MS)
      this.timer.unref()
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer)
    await this.run.close()
  }
}
