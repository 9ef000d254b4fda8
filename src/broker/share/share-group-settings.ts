// The settings a share group's share-partitions obey (KIP-932 group configs): share.auto.offset.reset
// (where a share-partition without persisted state starts: latest, the default, or earliest),
// share.isolation.level (read_uncommitted, the default, or read_committed),
// share.record.lock.duration.ms and share.delivery.count.limit. Per-group values come from the
// group-config overrides when set; the broker's group.share.record.lock.duration.ms and
// group.share.delivery.count.limit are the defaults (cluster/group-configs.ts).
import type { BrokerContext } from '../context.ts'
import type { ShareGroupSettings } from './share-partition-manager.ts'

export function shareGroupSettings(ctx: Pick<BrokerContext, 'config' | 'configAdmin'>, groupId: string): ShareGroupSettings {
  const o = ctx.configAdmin.groups.entries(groupId)
  const int = (key: string, dflt: number) => {
    const v = o?.get(key)
    return v === undefined ? dflt : Number(v)
  }
  return {
    autoOffsetReset: o?.get('share.auto.offset.reset') === 'earliest' ? 'earliest' : 'latest',
    isolationLevel: o?.get('share.isolation.level') === 'read_committed' ? 'read_committed' : 'read_uncommitted',
    lockDurationMs: int('share.record.lock.duration.ms', ctx.config.int('group.share.record.lock.duration.ms')),
    deliveryCountLimit: int('share.delivery.count.limit', ctx.config.int('group.share.delivery.count.limit')),
  }
}
