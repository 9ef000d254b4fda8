// The settings a share group's share-partitions obey (KIP-932 group configs): share.auto.offset.reset
// (where a share-partition without persisted state starts: latest, the default, earliest, or
// by_duration:<ISO-8601 duration>, share-offset-reset.ts),
// share.isolation.level (read_uncommitted, the default, or read_committed),
// share.record.lock.duration.ms and share.delivery.count.limit. Per-group values come from the
// group-config overrides when set; the broker's group.share.record.lock.duration.ms and
// group.share.delivery.count.limit are the defaults (cluster/group-configs.ts).
import type { BrokerContext } from '../context.ts'
import type { ShareGroupSettings } from './share-partition-manager.ts'
import { parseShareAutoOffsetReset } from './share-offset-reset.ts'
import type { ShareAutoOffsetReset } from './share-offset-reset.ts'

export function shareGroupSettings(ctx: Pick<BrokerContext, 'config' | 'configAdmin'>, groupId: string): ShareGroupSettings {
  const o = ctx.configAdmin.groups.entries(groupId)
  const int = (key: string, dflt: number) => {
    const v = o?.get(key)
    return v === undefined ? dflt : Number(v)
  }
  return {
    autoOffsetReset: offsetReset(o?.get('share.auto.offset.reset')),
    isolationLevel: o?.get('share.isolation.level') === 'read_committed' ? 'read_committed' : 'read_uncommitted',
    lockDurationMs: int('share.record.lock.duration.ms', ctx.config.int('group.share.record.lock.duration.ms')),
    deliveryCountLimit: int('share.delivery.count.limit', ctx.config.int('group.share.delivery.count.limit')),
  }
}

/** Values were checked when set; one that no longer parses counts as the default. */
function offsetReset(raw: string | undefined): ShareAutoOffsetReset {
  if (raw === undefined) return 'latest'
  try {
    return parseShareAutoOffsetReset(raw)
  } catch {
    return 'latest'
  }
}
