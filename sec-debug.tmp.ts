import { startCluster } from '/work/wt/cluster/src/broker/index.ts'
import { BrokerChannel } from '/work/wt/cluster/src/broker/net/broker-channel.ts'
import { makeTestCerts } from '/work/wt/cluster/test/helpers/certs.ts'
const certs = makeTestCerts()
const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret";'
const keep = setInterval(() => {}, 1000)
try {
  const cluster = await startCluster({ brokers: 3, listenerName: 'BROKER', logger: 'warn', config: {
    'listener.security.protocol.map': 'BROKER:SASL_SSL', 'inter.broker.listener.name': 'BROKER', 'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'listener.name.broker.sasl.enabled.mechanisms': 'PLAIN', 'listener.name.broker.plain.sasl.jaas.config': JAAS,
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.serverKeystorePem, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.ca,
  } })
  console.log('started', cluster.bootstrap)
  const b = cluster.broker(0)
  if (process.env.CONNECT) try {
    const ch = await BrokerChannel.connect(b.host, b.port, 'x', 3000, { tls: { ca: certs.ca }, sasl: { mechanism: 'PLAIN', username: 'broker', password: 'broker-secret' } })
    console.log('connected', ch.isOpen)
  } catch (e) { console.log('err', String(e)) }
  console.log('closing'); await cluster.close(); console.log('closed')
} catch (e) { console.log('outer', e) }
clearInterval(keep)
