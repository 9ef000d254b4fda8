// The choice behind src/cli/v8-tuning.ts, without its side effect (the bench's load generator,
// a Node client on the same cores, is given the same setting).

/** Concurrent marking pays off above two cores; SAMSA_CONCURRENT_MARKING=0|1 overrides. */
export function concurrentMarkingWanted(cores: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const forced = env.SAMSA_CONCURRENT_MARKING
  if (forced === '0' || forced === '1') return forced === '1'
  return cores > 2
}
