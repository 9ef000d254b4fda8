// samsa/client's Admin reading and setting cluster feature flags (KIP-584) on a single node:
// describeFeatures lists transaction.version as supported 0-2 and finalized at 2; updateFeatures
// refuses a downgrade that does not say so (INVALID_UPDATE_VERSION with the broker's reason),
// changes nothing with validateOnly, and a safe downgrade shows in the next describe with a newer epoch.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '../../src/client/index.ts'
import { KafkaError } from '../../src/client/errors.ts'
import { ErrorCode } from '../../src/protocol/errors.ts'
import type { Broker } from '../../src/broker/index.ts'
import { testBroker } from './helpers.ts'

let broker: Broker
let admin: Admin
before(async () => {
  broker = await testBroker()
  admin = new Admin({ bootstrapServers: broker.bootstrap })
})
after(async () => {
  await admin?.close()
  await broker?.close()
})

test('describeFeatures and updateFeatures', async () => {
  const before = await admin.describeFeatures()
  assert.deepEqual(before.supported.get('transaction.version'), { min: 0, max: 2 })
  assert.deepEqual(before.finalized.get('transaction.version'), { min: 2, max: 2 })

  const refused = await admin.updateFeatures([{ feature: 'transaction.version', maxVersionLevel: 1 }]).then(() => null, (e: unknown) => e)
  assert.ok(refused instanceof KafkaError)
  assert.equal(refused.code, ErrorCode.INVALID_UPDATE_VERSION)
  assert.match(refused.message, /Can't downgrade the version of this feature without setting the upgrade type/)
  await assert.rejects(admin.updateFeatures([{ feature: 'transaction.version', maxVersionLevel: 1, upgradeType: 'sideways' as never }]), TypeError)

  await admin.updateFeatures([{ feature: 'transaction.version', maxVersionLevel: 1, upgradeType: 'safe-downgrade' }], { validateOnly: true })
  assert.deepEqual((await admin.describeFeatures()).finalized.get('transaction.version'), { min: 2, max: 2 })

  await admin.updateFeatures([{ feature: 'transaction.version', maxVersionLevel: 1, upgradeType: 'safe-downgrade' }])
  const after = await admin.describeFeatures()
  assert.deepEqual(after.finalized.get('transaction.version'), { min: 1, max: 1 })
  assert.ok(after.finalizedEpoch > before.finalizedEpoch)
})
