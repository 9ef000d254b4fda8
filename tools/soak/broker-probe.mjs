// Loaded into the soaked broker with `node --expose-gc --import` (tools/soak/soak.ts): answers the
// soak's IPC questions — memory after a full GC, a heap snapshot — without touching Samsa's code.
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'
import { monitorEventLoopDelay } from 'node:perf_hooks'

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 20 })
  delay.enable()
  process.on('message', (msg) => {
    if (msg?.type === 'sample') {
      if (msg.gc && typeof globalThis.gc === 'function') globalThis.gc()
      const eventLoopMaxMs = delay.max / 1e6
      delay.reset()
      // JIT code grows while V8 optimises more of the broker (a warm-up, not state the broker keeps).
      const codeBytes = getHeapSpaceStatistics().filter((s) => s.space_name.startsWith('code')).reduce((n, s) => n + s.space_used_size, 0)
      process.send({ type: 'sample', id: msg.id, memory: process.memoryUsage(), codeBytes, handles: process.getActiveResourcesInfo().length, eventLoopMaxMs })
    } else if (msg?.type === 'snapshot') {
      process.send({ type: 'snapshot', id: msg.id, path: writeHeapSnapshot(msg.path) })
    }
  })
  // The channel must not keep the broker alive once it has shut down.
  process.channel?.unref()
}
