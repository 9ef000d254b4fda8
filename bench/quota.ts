// `npm run bench -- quota [--rate BYTES] [--seconds N] [--window-num N]`: a producer over its
// producer_byte_rate holds near the quota while another client id on the same broker runs free.
// A broker runs in this process with Kafka's quota windows (quota.window.num, default 11, of 1 s);
// the quota is set with AlterClientQuotas (@platformatic/kafka's admin); two samsa/client
// producers (1 KiB values, acks=all) send as fast as they can for the given time. samsa/client
// does not delay itself on throttle_time_ms, so what holds it back is the broker muting its
// connection. Printed: each second's acknowledged bytes of both, and the throttled producer's
// average after the first window (the window's allowance lets ~numSamples-1 seconds' worth through
// at once, as in Kafka).
import { cpus, loadavg, tmpdir } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Admin as PlatformaticAdmin } from '@platformatic/kafka'
import { runBroker } from '../src/broker/broker.ts'
import { BrokerConfig } from '../src/broker/config/index.ts'
import { silentLogger } from '../src/broker/logger.ts'
import { Producer } from '../src/client/index.ts'

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : dflt
}

export async function run(args: string[]): Promise<void> {
  const rate = arg(args, '--rate', 1_048_576)
  const seconds = arg(args, '--seconds', 30)
  const windowNum = arg(args, '--window-num', 11)
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-quota-'))
  const broker = await runBroker(new BrokerConfig(Object.entries({
    'listeners': 'PLAINTEXT://127.0.0.1:0', 'admin.listeners': '', 'log.dirs': dir, 'num.partitions': '1',
    'quota.window.num': String(windowNum), 'quota.window.size.seconds': '1',
  })), { log: silentLogger() })
  const bootstrap = `127.0.0.1:${broker.bound[0]!.port}`
  console.log(`quota bench: producer_byte_rate ${rate} B/s for client id 'throttled', none for 'free'; ${seconds} s; ` +
    `quota.window.num ${windowNum} x 1 s; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`)
  try {
    const admin = new PlatformaticAdmin({ clientId: 'bench-admin', bootstrapBrokers: [bootstrap] })
    await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'client-id', entityName: 'throttled' }], ops: [{ key: 'producer_byte_rate', value: rate, remove: false }] }] })
    await admin.close()
    const value = Buffer.alloc(1024, 120)
    const perSecond = { throttled: new Array<number>(seconds).fill(0), free: new Array<number>(seconds).fill(0) }
    const t0 = Date.now()
    const drive = async (clientId: 'throttled' | 'free') => {
      const p = new Producer({ bootstrapServers: bootstrap, clientId, requestTimeoutMs: 60_000 })
      try {
        while (Date.now() - t0 < seconds * 1000) {
          await p.sendBatch(Array.from({ length: 64 }, () => ({ topic: `quota-${clientId}`, partition: 0, value })))
          const s = Math.floor((Date.now() - t0) / 1000)
          if (s < seconds) perSecond[clientId][s]! += 64 * value.length
        }
      } finally {
        await p.close()
      }
    }
    await Promise.all([drive('throttled'), drive('free')])
    console.log('second  throttled B/s     free B/s')
    for (let s = 0; s < seconds; s++) console.log(`${String(s).padStart(6)}  ${String(perSecond.throttled[s]).padStart(13)}  ${String(perSecond.free[s]).padStart(11)}`)
    const steady = perSecond.throttled.slice(windowNum)
    const avg = steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length)
    const freeAvg = perSecond.free.reduce((a, b) => a + b, 0) / seconds
    console.log(`throttled after the first ${windowNum} s: ${Math.round(avg)} B/s = ${(avg / rate * 100).toFixed(1)}% of the quota; ` +
      `whole run ${Math.round(perSecond.throttled.reduce((a, b) => a + b, 0) / seconds)} B/s; free ${Math.round(freeAvg)} B/s`)
  } finally {
    await broker.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
