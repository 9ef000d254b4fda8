// `npm run bench -- <name> [args]`: runs bench/<name>.ts, whose `run(args)` prints figures.
// Benchmarks print measurements; they never assert on time.
const [name, ...args] = process.argv.slice(2)
const known = ['protocol', 'storage', 'broker', 'groups', 'txn', 'cluster', 'metadata', 'client', 'client-memory', 'registry', 'streams', 'quota', 'tls-floor', 'tls-offload']
if (!name || !known.includes(name)) {
  console.error(`usage: npm run bench -- <${known.join('|')}> [args]`)
  process.exit(2)
}
const mod = (await import(`./${name}.ts`)) as { run: (args: string[]) => Promise<void> }
await mod.run(args)
