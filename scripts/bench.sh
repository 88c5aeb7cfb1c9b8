#!/usr/bin/env bash
# End-to-end benchmark: `journal-run cancel --json` and `journal-run audit` on a Zuora-shaped
# export of N entries, against jq and DuckDB (`read_json`, scripts/bench_duckdb.py) computing
# the same counts on the same file, and against the floors of reading the file once
# (`cat FILE > /dev/null`) and of reading it and writing a copy (`cat FILE > OUT`). Alternates
# the commands, ROUNDS times (the file read once, untimed, before each), and prints medians,
# ratios and peak memory, all measured in this one run.
#
#   scripts/bench.sh [ENTRIES] [ROUNDS]      (defaults: 1000000 entries, 5 rounds)
#
# Needs jq and GNU time (/usr/bin/time), installed with apt-get when missing, and the duckdb
# Python package, installed in a virtual environment of its own ($WORK/venv) when missing.
#
#   scripts/bench.sh large-value             (a page with one 64 MB, then one 256 MB value)
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-}
[ "$MODE" = large-value ] && shift
ENTRIES=${1:-1000000}
ROUNDS=${2:-5}
WORK=${BENCH_DIR:-target/bench-e2e}
mkdir -p "$WORK"
FILE="$WORK/export-$ENTRIES.json"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "installing $2" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null
  fi
}
need jq jq
[ -x /usr/bin/time ] || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; }
VENV="$WORK/venv"
if [ "$MODE" != large-value ] && ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  echo "installing duckdb in $VENV" >&2
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb
fi

cargo build --release -q -p journal-run-cli --bin journal-run --example generate
BIN=target/release/journal-run
GEN=target/release/examples/generate

if [ "$MODE" = large-value ]; then
  # One large value (an array of short strings) in a page's field the tool does not read:
  # read in time proportional to its size. Five rounds, alternating sizes; CPU time (user +
  # system), which the machine's other load disturbs less than the wall clock.
  echo '{"number": "JR-00000001", "status": "Completed"}' > "$WORK/run.json"
  for mb in 64 256; do
    python3 - "$WORK/page-$mb.json" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
item = b'"0123456789abcdefghijklmnopqrstuvwxyz",'
with open(path, "wb") as f:
    f.write(b'{"journalEntries": [{"number": "JE-00000001", "status": "Created"}], "extra": [')
    f.write(item * (mb * 1000000 // len(item)))
    f.write(b'0]}')
PY
  done
  for round in 1 2 3 4 5; do
    for mb in 64 256; do
      /usr/bin/time -f "$mb MB %U %S s, %M KB" "$BIN" audit --run "$WORK/run.json" \
        --entries "$WORK/page-$mb.json" --json 2>&1 >/dev/null
    done
  done | tee "$WORK/large-value.log"
  m64=$(awk '/^64 /{print $3 + $4}' "$WORK/large-value.log" | sort -g | sed -n 3p)
  m256=$(awk '/^256 /{print $3 + $4}' "$WORK/large-value.log" | sort -g | sed -n 3p)
  awk -v a="$m64" -v b="$m256" \
    'BEGIN {printf "median CPU time, 64 MB: %.2f s, 256 MB: %.2f s, ratio %.2f (4.00 is proportional)\n", a, b, b/a}'
  exit 0
fi

if [ ! -s "$FILE" ]; then
  echo "generating $FILE ($ENTRIES entries)" >&2
  "$GEN" "$ENTRIES" > "$FILE"
fi
SIZE=$(stat -c %s "$FILE")

# The same counts jq and `cancel` find: entries the job would cancel, and entries that would fail.
JQ_PROGRAM='[.journalEntries[] | select(.status != "Cancelled") | .transferredToAccounting]
  | {cancelled: map(select(. != "Yes" and . != "Processing")) | length,
     failed: map(select(. == "Yes" or . == "Processing")) | length}'

declare -A SECONDS_OF PEAK_OF
run() { # name, command...
  local name=$1; shift
  local log="$WORK/time-$name.log"
  # Every command starts with the file in the page cache: the machine may drop cold pages
  # (jq and DuckDB use 4 GB), and a command that read from the disk would pay for it alone.
  cat "$FILE" > /dev/null
  # The output file is removed first (freeing the last round's 730 MB is not the command's
  # work, nor is the write-back ext4 starts when a file emptied by truncation is closed), and
  # the wall clock read to the microsecond around the command (`time -v` gives it to 10 ms,
  # an eighth of `cat`'s time): both the same for every command.
  rm -f "$WORK/out-$name"
  # The outputs of the commands before are written to the disk first: the kernel writes back a
  # page 30 s after it was dirtied, so a copy's 600 MB would be written back during a command
  # run 30 s later (after jq), on the cores it measures.
  sync
  local t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$log" "$@" > "$WORK/out-$name" 2>"$WORK/err-$name" || {
    local rc=$?
    # audit exits 1 when it finds violations; anything else is a failure.
    if [ "$name" != audit ] || [ "$rc" -ne 1 ]; then
      echo "$name failed (exit $rc):" >&2; cat "$WORK/err-$name" >&2; exit 1
    fi
  }
  local t1=$EPOCHREALTIME
  local wall peak
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}')
  peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  SECONDS_OF[$name]+="$wall "
  PEAK_OF[$name]=$peak
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "file: $FILE ($SIZE bytes, $ENTRIES entries); $ROUNDS rounds, alternating" >&2
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round" >&2
  run cat sh -c 'exec cat "$1" > /dev/null' cat "$FILE"
  run copy cat "$FILE"
  run jq jq -c "$JQ_PROGRAM" "$FILE"
  run audit "$BIN" audit --snapshot "$FILE" --json
  run cancel "$BIN" cancel --snapshot "$FILE" --json
  run duckdb "$VENV/bin/python" scripts/bench_duckdb.py "$FILE"
done

# The counts must agree: jq's, and the outcomes of `cancel --json`.
jq_counts=$(cat "$WORK/out-jq")
tool_counts=$(jq -c '{cancelled: ([.outcomes[] | select(.result == "cancelled")] | length),
                      failed: ([.outcomes[] | select(.result == "failed")] | length)}' "$WORK/out-cancel")
duckdb_counts=$(cat "$WORK/out-duckdb")
echo "jq:     $jq_counts"
echo "duckdb: $duckdb_counts"
echo "cancel: $tool_counts"
[ "$jq_counts" = "$tool_counts" ] && [ "$duckdb_counts" = "$tool_counts" ] || { echo "the counts disagree" >&2; exit 1; }

printf '\n%-8s %10s %12s %9s %10s %8s %8s %9s\n' command "median s" "peak RSS MB" "vs jq" "vs duckdb" "vs cat" "vs copy" "RSS/file"
CAT=$(echo "${SECONDS_OF[cat]}" | median)
COPY=$(echo "${SECONDS_OF[copy]}" | median)
JQ=$(echo "${SECONDS_OF[jq]}" | median)
DUCK=$(echo "${SECONDS_OF[duckdb]}" | median)
for name in cat copy jq duckdb audit cancel; do
  m=$(echo "${SECONDS_OF[$name]}" | median)
  peak_mb=$(awk -v k="${PEAK_OF[$name]}" 'BEGIN {printf "%.0f", k/1024}')
  printf '%-8s %10.3f %12s %8.2fx %9.2fx %7.2fx %7.2fx %9.3f\n' "$name" "$m" "$peak_mb" \
    "$(awk -v a="$JQ" -v b="$m" 'BEGIN {print a/b}')" \
    "$(awk -v a="$DUCK" -v b="$m" 'BEGIN {print a/b}')" \
    "$(awk -v a="$m" -v b="$CAT" 'BEGIN {print a/b}')" \
    "$(awk -v a="$m" -v b="$COPY" 'BEGIN {print a/b}')" \
    "$(awk -v k="${PEAK_OF[$name]}" -v s="$SIZE" 'BEGIN {print k*1024/s}')"
done
echo
echo "each round, in seconds:"
for name in cat copy audit cancel; do
  printf '%-8s %s\n' "$name" "$(echo "${SECONDS_OF[$name]}" | tr ' ' '\n' | grep -v '^$' | awk '{printf "%.3f ", $1}')"
done
echo "(vs jq, vs duckdb: how many times faster; vs cat: how many times the floor of reading the file"
echo " once, \`cat FILE > /dev/null\`; vs copy: how many times \`cat FILE > OUT\`, reading it and writing"
echo " a copy, as cancel --json does)"
