// Brokers replicating over a SASL_SSL inter-broker listener, as Kafka configures it: the one
// listener BROKER maps to SASL_SSL, inter.broker.listener.name names it, brokers log in with
// sasl.mechanism.inter.broker.protocol=PLAIN and the username/password of the listener's JAAS
// entry, and under the StandardAuthorizer that principal is a super user (CLUSTER_ACTION for
// follower fetches). Three brokers replicate acks=all writes byte for byte, fail over when the
// leader dies, and the survivors keep replicating; a principal without CLUSTER_ACTION cannot
// fetch as a follower, and a client that does not verify as TLS cannot connect at all.
import { before, test } from 'node:test'
import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import { startCluster } from '../../../src/broker/index.ts'
import type { Cluster } from '../../../src/broker/embedded-cluster.ts'
import { BrokerChannel } from '../../../src/broker/net/broker-channel.ts'
import type { ChannelSecurity } from '../../../src/broker/net/broker-channel.ts'
import { ApiKey } from '../../../src/protocol/generated/api-keys.ts'
import { ErrorCode } from '../../../src/protocol/errors.ts'
import { defaultFetchRequest, defaultFetchRequestFetchPartition } from '../../../src/protocol/generated/messages/fetch.ts'
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch.ts'
import { makeTestCerts } from '../../helpers/certs.ts'
import type { TestCerts } from '../../helpers/certs.ts'
import { createTopic, logBytes, partitionState, produce, replicaOf, topicIdOf, until, useClientSecurity } from '../replica/cluster-helpers.ts'

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" ' +
  'user_broker="broker-secret" user_alice="alice-secret";'

let certs: TestCerts
before(() => {
  certs = makeTestCerts()
})

function tlsOf(c: TestCerts): ChannelSecurity['tls'] {
  return { ca: readFileSync(c.ca, 'utf8'), rejectUnauthorized: true }
}

test('SASL_SSL between brokers: replication, failover, CLUSTER_ACTION for the broker principal only', async () => {
  const cluster: Cluster = await startCluster({
    logger: process.env.SAMSA_TEST_LOG as 'info' | undefined, brokers: 3, listenerName: 'BROKER',
    config: {
      'listener.security.protocol.map': 'BROKER:SASL_SSL',
      'inter.broker.listener.name': 'BROKER',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.jaas.config': JAAS,
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverKeystorePem,
      'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.ca,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:broker',
      // Kafka's default lag bound: after the failover the surviving follower must reconnect over
      // SASL_SSL to the new leader, which took over 5 s once on a loaded machine (the ISR shrank to
      // one and the acks=all produce below got NOT_ENOUGH_REPLICAS_AFTER_APPEND). A dead broker
      // leaves the ISR through the controller, not through this bound.
      'replica.lag.time.max.ms': 30_000, 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 500,
    },
  })
  try {
    useClientSecurity(cluster, { tls: tlsOf(certs), sasl: { mechanism: 'PLAIN', username: 'broker', password: 'broker-secret' } })
    await createTopic(cluster, 'sec', 1, 3, { 'min.insync.replicas': '2' })
    await until('a full ISR', async () => (await partitionState(cluster, 'sec', 0)).isr.length === 3)
    const { leader, replicas } = await partitionState(cluster, 'sec', 0)
    const followers = replicas.filter((id) => id !== leader)
    assert.equal((await produce(cluster, leader, 'sec', 0, 10, -1, 'a')).errorCode, ErrorCode.NONE)
    await until('followers replicated over SASL_SSL', () => followers.every((id) => replicaOf(cluster, id, 'sec', 0).logEndOffset === 10))
    const first = await logBytes(cluster, leader, 'sec', 0)
    for (const id of followers) assert.ok((await logBytes(cluster, id, 'sec', 0)).equals(first), `replica ${id} has the leader's bytes`)

    // A user without CLUSTER_ACTION may not fetch as a follower.
    const b = cluster.broker(leader)
    const alice = await BrokerChannel.connect(b.host, b.port, 'alice', 5000, { tls: tlsOf(certs), sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' } })
    try {
      const req = defaultFetchRequest()
      req.replicaState = { replicaId: followers[0]!, replicaEpoch: -1n }
      req.maxWaitMs = 0
      const fp = defaultFetchRequestFetchPartition()
      fp.partitionMaxBytes = 1 << 20
      req.topics = [{ topic: '', topicId: topicIdOf(cluster, 'sec'), partitions: [fp] }]
      const res = await alice.send<FetchResponse>(ApiKey.Fetch, 17, req, 5000)
      assert.equal(res.responses[0]!.partitions[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED)
    } finally {
      alice.close()
    }
    // Plain TCP to the SASL_SSL listener goes nowhere.
    await assert.rejects(BrokerChannel.connect(b.host, b.port, 'plain', 2000).then((c) => c.send(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 2000)))

    // The leader dies: a follower takes over and the survivors keep replicating over SASL_SSL.
    await cluster.kill(leader)
    await until('a new leader', async () => { const s = await partitionState(cluster, 'sec', 0); return s.leader >= 0 && s.leader !== leader }, 12_000)
    const next = (await partitionState(cluster, 'sec', 0)).leader
    await until('the new leader leads', () => replicaOf(cluster, next, 'sec', 0).isLeader)
    const r = await produce(cluster, next, 'sec', 0, 5, -1, 'b', 30_000)
    assert.equal(r.errorCode, ErrorCode.NONE)
    assert.equal(r.baseOffset, 10)
    const other = followers.find((id) => id !== next)!
    await until('the other survivor replicated', () => replicaOf(cluster, other, 'sec', 0).logEndOffset === 15)
    assert.ok((await logBytes(cluster, other, 'sec', 0)).equals(await logBytes(cluster, next, 'sec', 0)))
  } finally {
    await cluster.close()
  }
})
