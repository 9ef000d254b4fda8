// Page views per page per minute, one final result per window (suppress until the window closes,
// 10 s of grace for late events). Run: `node --import tsx examples/streams/windowed-aggregation.ts [bootstrap]`.
import { KafkaStreams, Serdes, StreamsBuilder, Suppressed, TimeWindows } from '../../src/streams/index.ts'
import { createTopics, isMain, produce, readUntil } from './common.ts'

export async function main(bootstrap: string, stateDir?: string): Promise<string[]> {
  // One partition: stream time is kept per task, so a window closes when its task sees later events.
  await createTopics(bootstrap, ['page-views', 'views-per-minute'], 1)
  const S = Serdes.String()
  const builder = new StreamsBuilder()
  builder.stream<string, string>('page-views', { keySerde: S, valueSerde: S }) // user -> page
    .groupBy((_user, page) => page, { keySerde: S, valueSerde: S })
    .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 10_000))
    .count()
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .map((w, n): [string, string] => [w.key, `${new Date(w.window.start).toISOString().slice(11, 16)} ${n}`])
    .to('views-per-minute', { keySerde: S, valueSerde: S })
  const app = new KafkaStreams(builder.build(), { applicationId: 'windowed-example', bootstrapServers: bootstrap, stateDir, commitIntervalMs: 100 })
  const t = Date.UTC(2026, 0, 1, 12, 0, 0)
  await produce(bootstrap, [
    { topic: 'page-views', key: 'ann', value: '/home', timestamp: t + 1_000 },
    { topic: 'page-views', key: 'bob', value: '/home', timestamp: t + 30_000 },
    { topic: 'page-views', key: 'ann', value: '/shop', timestamp: t + 61_000 },
    { topic: 'page-views', key: 'cat', value: '/home', timestamp: t + 65_000 }, // 12:00 closes at 12:01:10
    { topic: 'page-views', key: 'dan', value: '/home', timestamp: t + 200_000 }, // past 12:02:10: closes 12:01 for both pages
  ])
  await app.start()
  const out = await readUntil(bootstrap, 'views-per-minute', (m) => m.length >= 3)
  await app.close()
  return out.map((m) => `${m.key} ${m.value}`).sort()
}

if (isMain(import.meta.url)) console.log(await main(process.argv[2] ?? 'localhost:9092'))
