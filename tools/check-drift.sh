#!/usr/bin/env bash
# Codegen drift check: regenerate from ../shared/kafka-protocol and fail if git sees a change.
# A user's clone without ../shared skips the check (the committed output is all it needs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/kafka-protocol ] && [ -z "${SAMSA_PROTOCOL_DIR:-}" ]; then
  echo "drift: ../shared/kafka-protocol not found; skipping the codegen drift check"
  exit 0
fi
npm run -s gen
if [ -n "$(git status --porcelain -- src/protocol/generated)" ]; then
  echo "drift: regenerating changed src/protocol/generated — run 'npm run gen' and commit the result:" >&2
  git status --porcelain -- src/protocol/generated | head -20 >&2
  exit 1
fi
echo "drift: generated code matches ../shared/kafka-protocol"
