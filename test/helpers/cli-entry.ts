// How tests start the `samsa` command. `npm test` builds first and sets SAMSA_TEST_BUILT=1, so
// the CLI runs from dist/ (about a third of the CPU of compiling the TypeScript at every spawn,
// which matters with dozens of spawns on two loaded cores); a focused run of a test file uses
// the sources through tsx, so it never runs a stale build.
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

export const SAMSA_CLI: readonly string[] = process.env['SAMSA_TEST_BUILT'] === '1'
  ? [`${REPO}dist/src/cli/main.js`]
  : ['--import', 'tsx', 'src/cli/main.ts']
