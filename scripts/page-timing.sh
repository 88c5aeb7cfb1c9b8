#!/usr/bin/env bash
# How fast the live page answers (a measurement, not a test): the list of runs with 1,000 runs
# loaded, and the first and last pages of a run of 100,000 entries, against `journal-run serve`
# on 127.0.0.1 (server/tests/browser/timing.py; Python's standard library only).
#
#   scripts/page-timing.sh [RUNS] [ENTRIES] [ROUNDS]    (defaults: 1000 100000 50)
#
# PROFILE=release measures a release build (the default is the debug build the tests use).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-debug}"
if [ "$PROFILE" = release ]; then
    cargo build -q --release -p journal-run-cli
else
    cargo build -q -p journal-run-cli
fi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
export JOURNAL_RUN_BIN="$TARGET_DIR/$PROFILE/journal-run"
echo "page-timing: $JOURNAL_RUN_BIN"
PYTHONDONTWRITEBYTECODE=1 python3 server/tests/browser/timing.py "$@"
