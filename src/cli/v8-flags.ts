// The choice behind src/cli/v8-tuning.ts, without its side effect (the bench's load generator,
// a Node client on the same cores, is given the same setting).

/** Concurrent marking pays off above two cores; SAMSA_CONCURRENT_MARKING=0|1 overrides. */
export function concurrentMarkingWanted(cores: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const forced = env.SAMSA_CONCURRENT_MARKING
  if (forced === '0' || forced === '1') return forced === '1'
  return cores > 2
}

/**
 * Whether `--<name>`, `--no-<name>` or `--<name>=…` is among Node's own flags (the command line's
 * execArgv or NODE_OPTIONS): the user's choice then wins over ours. Other flags that merely
 * contain the name (`--trace-<name>`) do not count.
 */
export function nodeFlagGiven(name: string, execArgv: readonly string[], nodeOptions = ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a === `--${name}` || a === `--no-${name}` || a.startsWith(`--${name}=`))
}
