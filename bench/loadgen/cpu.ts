import { readdirSync, readFileSync } from 'node:fs'

// CPU time of this process (user + system), ms.
export function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/**
 * CPU time (user + system, ms) of another process on Linux, from /proc/<pid>/stat (clock ticks of
 * 10 ms); undefined elsewhere or once it has exited. With `thread`, that thread's alone (the main
 * thread's id is the pid: the event loop).
 */
export function processCpuMs(pid: number, thread?: number): number | undefined {
  const t = processCpuTimes(pid, thread)
  return t === undefined ? undefined : t.user + t.sys
}

/** processCpuMs split into user and system (kernel) time, ms. */
export function processCpuTimes(pid: number, thread?: number): { user: number, sys: number } | undefined {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8')
    // Fields after the parenthesised command name (which may contain spaces): utime is the 12th, stime the 13th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(rest[11]) * 10, sys: Number(rest[12]) * 10 }
  } catch {
    return undefined
  }
}

/** Minor page faults of a process so far (Linux /proc/<pid>/stat; undefined elsewhere or once it has exited). */
export function minorFaults(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7])
  } catch {
    return undefined
  }
}

/**
 * How long a thread (default: the main thread, the event loop) has waited on a run queue for a
 * CPU so far, ms (Linux schedstat); undefined elsewhere. On a loaded machine this is where
 * wall-clock time went that was neither work nor waiting for the other process.
 */
export function runQueueMs(pid: number, thread = pid): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[1]) / 1e6
  } catch {
    return undefined
  }
}

/**
 * How long a thread (default: the main thread, the event loop) has run on a CPU so far, ms (Linux
 * schedstat, ns resolution); undefined elsewhere. Beside the run-queue wait it tells whether an
 * event loop was busy (the side that bounds a row) or idle, waiting for the other process.
 */
export function onCpuMs(pid: number, thread = pid): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]) / 1e6
  } catch {
    return undefined
  }
}

/**
 * The machine's page cache size (MB, /proc/vmstat nr_file_pages); undefined off Linux. A row that
 * grows it writes into pages the page cache takes from free memory, which on a VM whose free
 * memory is handed back to the host (free page reporting) fault on the host at first touch.
 */
export function pageCacheMb(): number | undefined {
  try {
    const m = /^nr_file_pages (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'))
    return m ? Number(m[1]) * 4096 / 1024 / 1024 : undefined
  } catch {
    return undefined
  }
}

/**
 * Context switches (voluntary + involuntary) of all threads of a process so far (Linux; threads
 * that have exited are not counted). Each hand-off to the thread pool and back costs two.
 */
export function contextSwitches(pid: number): number | undefined {
  try {
    let n = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')
        for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) n += Number(m[1])
      } catch {
        // the thread exited meanwhile
      }
    }
    return n
  } catch {
    return undefined
  }
}
