#!/usr/bin/env bash
# Runs the seeded simulator (tests/simulation.rs) on N random seeds (default 100).
#
# Usage: scripts/simulate.sh [N] [OPS]
#   N    how many seeds (default 100)
#   OPS  operations per workload (default 3000)
#
# The seeds are drawn from one base seed, printed first; a failure prints its own seed and the
# shortest failing command sequence found, replayable with
#   SIM_SEED=<seed> cargo test --test simulation
# and the whole batch is replayable with the printed SIM_BASE_SEED.
set -euo pipefail
cd "$(dirname "$0")/.."

count="${1:-100}"
ops="${2:-3000}"
base="${SIM_BASE_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}"

echo "simulate: $count seeds of $ops operations from SIM_BASE_SEED=$base"
echo "replay this batch: SIM_SEEDS=$count SIM_OPS=$ops SIM_BASE_SEED=$base cargo test --release --test simulation"
SIM_SEEDS="$count" SIM_OPS="$ops" SIM_BASE_SEED="$base" \
    cargo test --release --test simulation -- --nocapture vopr_seeds_hold_every_invariant
