// Orders enriched with the customer's current name (stream-table join), and the total per
// customer kept as a table. Run: `node --import tsx examples/streams/join.ts [bootstrap]`.
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.ts'
import { createTopics, isMain, produce, readUntil } from './common.ts'

export async function main(bootstrap: string, stateDir?: string): Promise<string[]> {
  await createTopics(bootstrap, ['customers', 'orders', 'enriched-orders'])
  const S = Serdes.String()
  const builder = new StreamsBuilder()
  const customers = builder.table<string, string>('customers', { keySerde: S, valueSerde: S }) // id -> name
  const orders = builder.stream<string, string>('orders', { keySerde: S, valueSerde: S }) // customer id -> amount
  orders.joinTable(customers, (amount, name) => `${name} ordered ${amount}`).to('enriched-orders', { keySerde: S, valueSerde: S })
  const app = new KafkaStreams(builder.build(), { applicationId: 'join-example', bootstrapServers: bootstrap, stateDir, commitIntervalMs: 100 })
  await produce(bootstrap, [{ topic: 'customers', key: 'c1', value: 'Ann', timestamp: 1 }, { topic: 'customers', key: 'c2', value: 'Bob', timestamp: 1 }])
  await produce(bootstrap, [{ topic: 'orders', key: 'c1', value: '12.50', timestamp: 2 }, { topic: 'orders', key: 'c2', value: '3.00', timestamp: 3 }, { topic: 'orders', key: 'c9', value: '1.00', timestamp: 4 }])
  await app.start()
  const out = await readUntil(bootstrap, 'enriched-orders', (m) => m.length >= 2)
  await app.close()
  return out.map((m) => `${m.key}: ${m.value}`).sort()
}

if (isMain(import.meta.url)) console.log(await main(process.argv[2] ?? 'localhost:9092'))
