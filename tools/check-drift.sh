#!/usr/bin/env bash
# Codegen drift check: regenerate from ../shared/kafka-protocol-4.4 (plus ../shared/kafka-protocol
# for the versions Kafka 4 removed) and fail if git sees a change. SAMSA_PROTOCOL_DIR and
# SAMSA_PROTOCOL_OLDER_DIR point elsewhere (a worktree's ../shared is not the shared folder).
# A user's clone without the schemas skips the check (the committed output is all it needs).
set -euo pipefail
cd "$(dirname "$0")/.."
primary="${SAMSA_PROTOCOL_DIR:-../shared/kafka-protocol-4.4}"
older="${SAMSA_PROTOCOL_OLDER_DIR:-../shared/kafka-protocol}"
if [ ! -d "$primary" ] || [ ! -d "$older" ]; then
  echo "drift: $primary or $older not found; skipping the codegen drift check"
  exit 0
fi
npm run -s gen
if [ -n "$(git status --porcelain -- src/protocol/generated)" ]; then
  echo "drift: regenerating changed src/protocol/generated — run 'npm run gen' and commit the result:" >&2
  git status --porcelain -- src/protocol/generated | head -20 >&2
  exit 1
fi
echo "drift: generated code matches $primary (+ $older)"
