// Word count: lines in, a running count per word out (at_least_once, a persistent LMDB store).
// Run against a broker: `node --import tsx examples/streams/word-count.ts [bootstrap]`.
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.ts'
import { createTopics, isMain, produce, readUntil } from './common.ts'

export async function main(bootstrap: string, stateDir?: string): Promise<Map<string, number>> {
  await createTopics(bootstrap, ['text-lines', 'word-counts'])
  const S = Serdes.String()
  const builder = new StreamsBuilder()
  builder.stream<string, string>('text-lines', { keySerde: S, valueSerde: S })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w !== ''))
    .groupBy((_key, word) => word, { keySerde: S, valueSerde: S })
    .count({ storeName: 'word-counts-store' })
    .toStream()
    .to('word-counts', { keySerde: S, valueSerde: Serdes.Long() })
  const app = new KafkaStreams(builder.build(), { applicationId: 'word-count-example', bootstrapServers: bootstrap, stateDir, commitIntervalMs: 100 })
  await produce(bootstrap, ['all streams lead to kafka', 'hello kafka streams', 'join kafka summit'].map((value) => ({ topic: 'text-lines', key: null, value })))
  await app.start()
  const counts = new Map<string, number>()
  await readUntil(bootstrap, 'word-counts', (msgs) => {
    for (const m of msgs) counts.set(m.key!.toString(), Number(m.value!.readBigInt64BE(0)))
    return counts.get('kafka') === 3 && counts.get('streams') === 2 && counts.size === 8
  })
  await app.close()
  return counts
}

if (isMain(import.meta.url)) console.log(await main(process.argv[2] ?? 'localhost:9092'))
