#!/usr/bin/env bash
# Runs node:test over every test file (Node 20 has no glob support in `node --test`).
# Optional arguments narrow the run to test files whose path contains one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ $# -gt 0 ]; then
  selected=()
  for f in "${files[@]}"; do for p in "$@"; do [[ "$f" == *"$p"* ]] && { selected+=("$f"); break; }; done; done
  files=("${selected[@]}")
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}"
