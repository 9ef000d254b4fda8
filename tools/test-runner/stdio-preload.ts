// Loaded with --import by tools/run-tests.sh, so it runs in the runner and in every test file's
// process (node:test passes the runner's execArgv on). Node 20's --test-force-exit calls
// process.exit() as soon as a file's last test has ended; report frames still queued for the
// file's stdout pipe are dropped, and the runner reports fewer tests than ran, a failing test's
// name and error included (nodejs/node#64833, open). With blocking writes nothing is ever queued:
// each frame is in the pipe before write() returns, and the runner always reads the pipe.
// Only a test file's own process: processes its tests fork inherit these flags and this env, and
// one whose stdout nobody reads would stall on a full pipe instead of queueing.

interface PipeHandle {
  setBlocking?: (blocking: boolean) => number
}

const testFile = /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '')
if (process.env.NODE_TEST_CONTEXT === 'child-v8' && testFile) {
  for (const stream of [process.stdout, process.stderr]) {
    ;(stream as unknown as { _handle?: PipeHandle })._handle?.setBlocking?.(true)
  }
}
