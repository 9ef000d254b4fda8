// V8 settings for the `samsa` process, applied before anything else is loaded (main.ts imports
// this module first). Embedders (`startBroker` in their own process) keep their own settings.
//
// Concurrent marking: every off-heap buffer the broker allocates (each 64 KiB socket read; fetch
// reads and produce frame copies come from pools) counts as external memory, and V8 starts a major
// GC per ~64 MB of it — several per second at a few hundred MB/s of produce. With concurrent
// marking the marking runs on helper threads that, on a machine with two cores, take CPU from the
// event loop and from clients on the same host; the bench (`npm run bench -- broker`, 1 KiB
// produce, 1 partition, before the pools) measured 2.5-2.8 ms of broker CPU per MB with it and
// 1.8 ms without (flag on the command line). Set here, at run time, the heap already exists and V8
// still starts its first marking task per cycle but no more (its trace: a handful of task starts
// per 1 KiB produce run, 9 against ~350; test/cli/v8-tuning.test.ts); the rest of the marking
// runs incrementally on the event loop in short steps. With more cores the helper threads are
// cheap, so they stay on. SAMSA_CONCURRENT_MARKING=0|1 overrides the choice.
import { availableParallelism } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { concurrentMarkingWanted } from './v8-flags.ts'

/** `--[no-]<name>` given on the command line or in NODE_OPTIONS wins over our choice. */
function userChose(name: string): boolean {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  return args.some((a) => a === `--${name}` || a === `--no-${name}` || a.startsWith(`--${name}=`))
}

if (!userChose('concurrent-marking') && !concurrentMarkingWanted(availableParallelism())) {
  setFlagsFromString('--no-concurrent-marking')
}
