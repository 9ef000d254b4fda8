#!/usr/bin/env bash
# Runs node:test over every test file (Node 20 has no glob support in `node --test`).
# Optional arguments narrow the run to test files whose path contains one of them.
# Files under test/tools/soak/ measure the broker's heap, so they run afterwards, alone: beside
# other test files they would both be perturbed (the heap trend) and perturb them (two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ $# -gt 0 ]; then
  selected=()
  for f in "${files[@]}"; do for p in "$@"; do [[ "$f" == *"$p"* ]] && { selected+=("$f"); break; }; done; done
  files=("${selected[@]}")
fi
shared=()
solo=()
for f in "${files[@]}"; do if [[ "$f" == test/tools/soak/* ]]; then solo+=("$f"); else shared+=("$f"); fi; done
# --test-force-exit: a test that timed out may leave sockets or child processes open; without it
# its file's process (and so the whole run) would never end.
run() { node --import tsx --test --test-force-exit "$@"; }
status=0
if [ ${#shared[@]} -gt 0 ]; then run --test-concurrency="${TEST_CONCURRENCY:-2}" "${shared[@]}" || status=$?; fi
if [ ${#solo[@]} -gt 0 ]; then run --test-concurrency=1 "${solo[@]}" || status=$?; fi
exit $status
