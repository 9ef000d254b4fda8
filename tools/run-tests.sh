#!/usr/bin/env bash
# Runs the tests: every test/**/*.test.ts, or those whose path contains one of the arguments.
# tools/test-runner/main.ts says how (one process per file, two at a time, a time limit per file,
# a summed count at the end); docs/testing.md says why.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx --import ./tools/test-runner/stdio-preload.ts tools/test-runner/main.ts "$@"
