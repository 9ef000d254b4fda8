// SCRAM credentials live in the metadata store: they survive a restart of a single broker (file
// store), and in a cluster a credential altered through one broker is seen by the others.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import type { DescribeUserScramCredentialsResponse } from '../../../src/protocol/generated/messages/describe-user-scram-credentials.ts'
import type { SaslAuthenticateResponse } from '../../../src/protocol/generated/messages/sasl-authenticate.ts'
import { startCluster } from '../../../src/broker/embedded-cluster.ts'
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts'
import { RawClient, decodeResponseFrame, requestFrame } from '../raw-client.ts'
import { startSecureBroker } from './secure-broker.ts'
import { addScramUsers } from './scram-admin.ts'
import { scramLogin } from './scram-client.ts'

async function describeUsers(port: number): Promise<string[]> {
  const c = await RawClient.connect(port)
  try {
    c.write(requestFrame(ApiKey.DescribeUserScramCredentials, 0, 1, { users: null }))
    const res = decodeResponseFrame<DescribeUserScramCredentialsResponse>(ApiKey.DescribeUserScramCredentials, 0, await c.readFrame()).body
    return res.results.map((r) => r.user)
  } finally {
    c.destroy()
  }
}

test('a SCRAM user created before a restart logs in after it', async () => {
  const dir = makeTempDir('samsa-scram-')
  const settings = { 'listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'SCRAM-SHA-512' }
  try {
    const first = await startSecureBroker(settings, undefined, dir)
    try {
      await addScramUsers(first.port('PLAINTEXT'), [{ user: 'frank', password: 'frank-pw', mechanism: 'SCRAM-SHA-512' }])
    } finally {
      await first.close()
    }
    const second = await startSecureBroker(settings, undefined, dir)
    try {
      const c = await RawClient.connect(second.port('SASL_PLAINTEXT'))
      try {
        const res: SaslAuthenticateResponse = await scramLogin(c, 'SCRAM-SHA-512', 'frank', 'frank-pw')
        assert.equal(res.errorCode, 0)
      } finally {
        c.destroy()
      }
    } finally {
      await second.close()
    }
  } finally {
    removeTempDir(dir)
  }
})

test('in a cluster, a credential altered through one broker is listed by another', async () => {
  const cluster = await startCluster({ brokers: 2 })
  try {
    await addScramUsers(cluster.broker(0).port, [{ user: 'grace', password: 'g', mechanism: 'SCRAM-SHA-256' }])
    assert.deepEqual(await describeUsers(cluster.broker(1).port), ['grace'])
  } finally {
    await cluster.close()
  }
})
