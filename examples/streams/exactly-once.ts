// An exactly-once pipeline: payments in, the balance per account out, under exactly_once_v2 —
// the output records, the store's changelog writes and the input offsets commit in one
// transaction, so a crash never double-counts a payment. Readers use read_committed.
// Run: `node --import tsx examples/streams/exactly-once.ts [bootstrap]`.
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.ts'
import { createTopics, isMain, produce, readUntil } from './common.ts'

export async function main(bootstrap: string, stateDir?: string): Promise<Map<string, number>> {
  await createTopics(bootstrap, ['payments', 'balances'])
  const S = Serdes.String()
  const builder = new StreamsBuilder()
  builder.stream<string, string>('payments', { keySerde: S, valueSerde: S }) // account -> amount in cents
    .mapValues((v) => Number(v))
    .groupByKey({ keySerde: S, valueSerde: Serdes.Long() })
    .reduce((sum, cents) => sum + cents, { storeName: 'balances-store', valueSerde: Serdes.Long() })
    .toStream()
    .to('balances', { keySerde: S, valueSerde: Serdes.Long() })
  const app = new KafkaStreams(builder.build(), { applicationId: 'eos-example', bootstrapServers: bootstrap, stateDir, processingGuarantee: 'exactly_once_v2' })
  await produce(bootstrap, [['acc-1', '1000'], ['acc-2', '250'], ['acc-1', '-300'], ['acc-2', '50']].map(([key, value]) => ({ topic: 'payments', key, value })))
  await app.start()
  const balances = new Map<string, number>()
  await readUntil(bootstrap, 'balances', (msgs) => {
    for (const m of msgs) balances.set(m.key!.toString(), Number(m.value!.readBigInt64BE(0)))
    return balances.get('acc-1') === 700 && balances.get('acc-2') === 300
  }, true)
  await app.close()
  return balances
}

if (isMain(import.meta.url)) console.log(await main(process.argv[2] ?? 'localhost:9092'))
