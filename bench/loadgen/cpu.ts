import { readFileSync } from 'node:fs'

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
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8')
    // Fields after the parenthesised command name (which may contain spaces): utime is the 12th, stime the 13th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) * 10
  } catch {
    return undefined
  }
}
