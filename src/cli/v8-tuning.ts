// V8 settings for the `samsa` process, applied before anything else is loaded (main.ts imports
// this module first). Embedders (`startBroker` in their own process) keep their own settings.
//
// Concurrent marking: every off-heap buffer the broker allocates (each 64 KiB socket read; fetch
// reads and produce frame copies come from pools) counts as external memory, and V8 starts a major
// GC per ~64 MB of it — several per second at a few hundred MB/s of produce. With concurrent
// marking the marking runs on helper threads that, on a machine with two cores, take CPU from the
// event loop and from clients on the same host; the bench (`npm run bench -- broker`, 1 KiB
// produce, 1 partition, before the pools) measured 2.5-2.8 ms of broker CPU per MB with it and
// 1.8 ms without (flag on the command line). Set here, at run time, the heap already exists and it
// takes effect only in part: V8's trace showed 9 concurrent marking task starts in a 1 KiB produce
// run against 343 with it on (2 with the command-line flag); the rest of the marking runs
// incrementally on the event loop in short steps. With more cores the helper threads are
// cheap, so they stay on. SAMSA_CONCURRENT_MARKING=0|1 overrides the choice.
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { concurrentMarkingWanted, nodeFlagGiven } from './v8-flags.ts'

const chosen = nodeFlagGiven('concurrent-marking', process.execArgv, process.env.NODE_OPTIONS)
if (!chosen && !concurrentMarkingWanted(availableParallelism())) {
  setFlagsFromString('--no-concurrent-marking')
}
