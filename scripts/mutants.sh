#!/usr/bin/env bash
# Mutation testing of the library's rules with cargo-mutants: each mutant is a deliberate bug
# (a condition negated, a function returning a constant, an operator swapped...), and the test
# suite must fail on it. Slow (an hour or more on 2 cores), so not part of CI.
#
# Usage:
#   scripts/mutants.sh                        # the rule files listed below
#   scripts/mutants.sh --file src/machine.rs  # only these files (any cargo-mutants options)
#   scripts/mutants.sh --iterate              # only the mutants not caught last time
#
# Results: target/mutants/mutants.out/ (caught.txt, missed.txt, unviable.txt, timeout.txt).
# docs/VERIFICATION.md records the last full run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-mutants >/dev/null 2>&1; then
    echo "== installing cargo-mutants"
    cargo install cargo-mutants --locked
fi

# Each mutant runs the suite below; these keep one run short without leaving any test out:
# runs of up to 3 entries in the exhaustive search, 64 cases per property, 16 simulator seeds.
export EXHAUSTIVE_MAX_ENTRIES="${EXHAUSTIVE_MAX_ENTRIES:-3}"
export PROPTEST_CASES="${PROPTEST_CASES:-64}"
export SIM_SEEDS="${SIM_SEEDS:-16}"
export SIM_BASE_SEED="${SIM_BASE_SEED:-1}"
export SIM_OPS="${SIM_OPS:-2000}"

# The files that hold the rules and the values they decide on.
files=(src/machine.rs src/entry.rs src/cancellation.rs src/run.rs src/invariants.rs src/tenant.rs
    src/caller.rs src/command.rs src/lifecycle.rs
    src/number.rs src/headers.rs src/status.rs src/permission.rs src/error.rs)
file_args=()
case " $* " in
*" --file "* | *" -f "* | *" --file="*) ;;
*) for f in "${files[@]}"; do file_args+=(--file "$f"); done ;;
esac

# The library's own unit tests and the integration tests of the rules (doctests and the wire
# format's tests are left out: the first compile one by one, the second test no rule file).
test_args=(--cargo-arg=--lib)
for t in bad_inputs exhaustive faithful generators model properties serialization simulation table worked_example; do
    if [ -f "tests/$t.rs" ]; then
        test_args+=("--cargo-arg=--test=$t")
    fi
done

exec cargo mutants --package journal-run --test-tool cargo --profile mutants \
    --gitignore=true --timeout 300 --build-timeout 600 --output target/mutants \
    "${file_args[@]}" "${test_args[@]}" "$@"
