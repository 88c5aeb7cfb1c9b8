#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target in fuzz/ for SECONDS each (default 60), one after another, and
# prints, per target, the executions, executions per second, coverage and the result.
#
#   scripts/fuzz.sh [SECONDS]
#
# - Installs cargo-fuzz when it is missing.
# - With a nightly toolchain (`rustup toolchain list`), builds with AddressSanitizer; otherwise
#   on stable with `--sanitizer none` (the library forbids unsafe code, so the sanitizer finds
#   what the checks' assertions and Rust's own checks would not only in dependencies).
#   FUZZ_TOOLCHAIN=stable forces the stable build.
# - Debug assertions (overflow checks) are on in both.
# - Each target starts from the committed corpus, fuzz/corpus/<target>/, and writes what it
#   finds to a working corpus in fuzz/target/corpus-work/<target>/ (ignored by git), so the
#   committed corpus stays small. With FUZZ_MERGE=1, the inputs of the working corpus that add
#   coverage are merged into the committed one afterwards (libFuzzer's -merge=1).
# - With FUZZ_CMIN=1, each committed corpus is then minimized (`cargo fuzz cmin` with
#   libFuzzer's -set_cover_merge=1: the fewest inputs that keep every feature; with
#   FUZZ_CMIN_EDGES=1, every edge only, for a corpus that must be smaller still). Named files
#   (`seed-*`, `regression-*`: any name that is not libFuzzer's SHA-1 of the input) are kept
#   whatever the minimization says.
# - FUZZ_TARGETS="numbers headers" limits the run to those targets.
# - A crash leaves its input in fuzz/artifacts/<target>/; the script goes on with the other
#   targets and exits 1 at the end. Fix the bug, then copy the input into
#   fuzz/corpus/<target>/ as `regression-<what>`: `cargo test --test fuzz_corpus` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]  (SECONDS per target, default 60)" >&2
    exit 2
    ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if [ "${FUZZ_TOOLCHAIN:-}" = "stable" ]; then
    toolchain="+stable"
    sanitizer="none"
elif command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
    toolchain="+nightly"
    sanitizer="address"
else
    toolchain="+stable"
    sanitizer="none"
fi
if ! command -v rustup >/dev/null 2>&1; then
    toolchain=""
fi

if [ -n "${FUZZ_TARGETS:-}" ]; then
    read -r -a targets <<<"$FUZZ_TARGETS"
else
    mapfile -t targets < <(cd fuzz && cargo $toolchain fuzz list)
fi

echo "== fuzzing ${targets[*]} for ${seconds}s each (cargo ${toolchain:-(default)}, sanitizer: $sanitizer)"

logs="fuzz/target/fuzz-logs"
mkdir -p "$logs"
summary=()
failed=0
for target in "${targets[@]}"; do
    committed="fuzz/corpus/$target"
    work="fuzz/target/corpus-work/$target"
    mkdir -p "$committed" "$work" "fuzz/artifacts/$target"
    log="$logs/$target.log"
    echo "== $target (log: $log)"
    status=0
    if [ "$seconds" -eq 0 ]; then
        # Nothing to fuzz: only merge or minimize (libFuzzer reads -max_total_time=0 as "no limit").
        : >"$log"
        echo "$target: not fuzzed (SECONDS is 0)"
    else
        (cd fuzz && cargo $toolchain fuzz run --sanitizer "$sanitizer" --debug-assertions \
            "$target" "../$work" "../$committed" -- \
            -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048) \
            >"$log" 2>&1 || status=$?
    fi

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)
    if [ "$status" -eq 0 ]; then
        result="ok"
    else
        result="FAILED (exit $status): see $log and fuzz/artifacts/$target/"
        failed=1
        grep -E 'panicked at|^SUMMARY|Test unit written' "$log" | head -n 5 || true
    fi
    line="$target: ${runs:-?} executions, ${rate:-?} exec/s, ${coverage:-cov: ?} — $result"
    echo "$line"
    summary+=("$line")

    if [ "${FUZZ_MERGE:-0}" = "1" ] && [ "$status" -eq 0 ]; then
        (cd fuzz && cargo $toolchain fuzz run --sanitizer "$sanitizer" --debug-assertions "$target" \
            "../$committed" "../$work" -- -merge=1) >>"$log" 2>&1
        echo "   merged: $(find "$committed" -type f | wc -l) files in $committed"
    fi

    if [ "${FUZZ_CMIN:-0}" = "1" ] && [ "$status" -eq 0 ]; then
        keep=$(mktemp -d)
        # Named inputs (seeds, regressions) stay; libFuzzer names its own by their SHA-1.
        find "$committed" -maxdepth 1 -type f -regextype posix-extended \
            ! -regex '.*/[0-9a-f]{40}' -exec cp {} "$keep"/ \;
        counters=1
        [ "${FUZZ_CMIN_EDGES:-0}" = "1" ] && counters=0
        (cd fuzz && cargo $toolchain fuzz cmin --sanitizer "$sanitizer" --debug-assertions \
            "$target" "../$committed" -- -set_cover_merge=1 -use_counters="$counters") >>"$log" 2>&1
        cp "$keep"/. "$committed"/ -r
        rm -rf "$keep"
        echo "   minimized: $(find "$committed" -type f | wc -l) files," \
            "$(cat "$committed"/* | wc -c) bytes in $committed"
    fi
done

echo "== summary (${seconds}s per target, sanitizer: $sanitizer)"
printf '%s\n' "${summary[@]}"
exit "$failed"
