#!/usr/bin/env bash
# Benchmark of `journal-run serve` (the local Zuora) on loopback with a real HTTP load
# generator (oha), side by side in one run:
#   - GET /v1/journal-runs/{jr} and PUT /v1/journal-runs/{jr}/cancel at concurrency 1, 16, 64:
#     throughput, p50 and p99 latency, for the SQLite store (a file in a temporary folder,
#     WAL, synchronous=FULL), for :memory:, and for Prism (@stoplight/prism-cli) mocking the
#     OpenAPI extract (../shared/reference/zuora-journal-openapi.yaml) as the stateless baseline;
#   - the unpaced cancellation job of 10^5 entries (`[jobs] step_interval_ms = 0`): entries/s
#     from the PUT cancel until GET shows the run Cancelled (a GET waits for the commit of the
#     run's last write, so the figure is durable), SQLite and :memory:;
#   - GET /_control/runs (JSON) and GET /_control/ (the live page's list, HTML) with 1,000
#     runs loaded.
#
#   scripts/serve-bench.sh [SECONDS]        (default 5 s per cell; a full run takes ~6 minutes)
#
# Environment: POOL (runs per PUT cell, default 100000: each PUT cell cancels random runs of
# its own block of runs, oha drawing them at random, so some PUTs name a run already
# cancelling and are refused: they are counted and shown), PUT_REQUESTS (requests of the PUT
# cells at concurrency 16 and 64, default POOL/5: about 9% refused), JOB_ENTRIES (default
# 100000), PRISM=0 to skip Prism. The cells are interleaved (each concurrency: SQLite,
# :memory:, Prism in turn), so that a change of the machine's load hits all three alike.
#
# Installs what it lacks: oha (cargo install, pinned, into target/tools), Prism (npm, pinned,
# into target/tools/prism; node and npm from apt-get when root, else the Prism column is
# skipped), curl and python3 (apt-get). The request cells run with `[jobs] mode = "manual"`,
# so that they measure the request path alone (the job driver's cost is the job's figure).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECS=${1:-5}
POOL=${POOL:-100000}
JOB_ENTRIES=${JOB_ENTRIES:-100000}
PRISM=${PRISM:-1}
PUT_REQUESTS=${PUT_REQUESTS:-$((POOL / 5))}
OHA_VERSION=1.16.0
PRISM_VERSION=5.16.0
TOOLS=$ROOT/target/tools
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SPEC=$ROOT/../shared/reference/zuora-journal-openapi.yaml
HERE=$ROOT/scripts/serve-bench

say() { echo "serve-bench: $*" >&2; }

is_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if is_root; then
    say "installing $*"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

# --- tools ---------------------------------------------------------------------------------
command -v curl >/dev/null || apt_install curl || { say "curl is needed"; exit 1; }
command -v python3 >/dev/null || apt_install python3 || { say "python3 is needed"; exit 1; }

OHA=
if command -v oha >/dev/null && oha --version >/dev/null 2>&1; then
  OHA=$(command -v oha)
elif [ -x "$TOOLS/bin/oha" ]; then
  OHA=$TOOLS/bin/oha
else
  say "installing oha $OHA_VERSION into $TOOLS (cargo install; a few minutes)"
  CARGO_TARGET_DIR=$TARGET/oha-build nice cargo install oha --version "$OHA_VERSION" --locked --root "$TOOLS" -q
  OHA=$TOOLS/bin/oha
fi
say "$("$OHA" --version)"

PRISM_BIN=$TOOLS/prism/node_modules/.bin/prism
if [ "$PRISM" = 1 ] && [ ! -x "$PRISM_BIN" ]; then
  if ! command -v npm >/dev/null; then
    apt_install nodejs npm || true
  fi
  if command -v npm >/dev/null; then
    say "installing @stoplight/prism-cli@$PRISM_VERSION into $TOOLS/prism"
    mkdir -p "$TOOLS/prism"
    (cd "$TOOLS/prism" && npm install --silent --no-audit --no-fund --prefix . "@stoplight/prism-cli@$PRISM_VERSION" >/dev/null)
  fi
fi
if [ "$PRISM" = 1 ] && { [ ! -x "$PRISM_BIN" ] || [ ! -f "$SPEC" ]; }; then
  say "Prism or the OpenAPI extract ($SPEC) is missing (no node/npm, not root?): the Prism column is skipped"
  PRISM=0
fi

say "building the release binary"
nice cargo build --release -q -p journal-run-cli
BIN=$TARGET/release/journal-run

# --- servers -------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
RESULTS=$WORK/results.tsv
: >"$RESULTS"

printf '[jobs]\nmode = "manual"\n' >"$WORK/manual.toml"
printf '[jobs]\nstep_interval_ms = 0\n' >"$WORK/unpaced.toml"

declare -A URLS TOKENS SERVERS

# start NAME DB CONFIG [ARGS...]: starts a server; sets URL and TOKEN.
start() {
  local name=$1 db=$2 config=$3
  shift 3
  "$BIN" serve --listen 127.0.0.1:0 --db "$db" --config "$config" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  SERVER_PID=$pid
  for _ in $(seq 1 6000); do
    [ "$(wc -l <"$WORK/$name.out")" -ge 2 ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.err" >&2; say "$name did not start"; exit 1; }
    sleep 0.05
  done
  URL=$(sed -n 's/^listening on //p' "$WORK/$name.out")
  local id secret
  read -r id secret < <(sed -n 's/^oauth client: //p' "$WORK/$name.out")
  TOKEN=$(curl -sf "$URL/oauth/token" -d "client_id=$id" -d "client_secret=$secret" -d grant_type=client_credentials |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}

stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# sched PID: the seconds its threads ran, and waited runnable for a CPU (schedstat), summed.
sched() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{r += $1; w += $2} END {printf "%.3f %.3f", r / 1e9, w / 1e9}'
}

# cell STORE OP C URL [OHA ARGS...]: one oha run, its figures appended to the results, with
# the CPU time the server's threads had and the time they waited for one.
cell() {
  local store=$1 op=$2 c=$3 url=$4
  shift 4
  local pid=${SERVERS[$store]:-0} before after
  before=$(sched "$pid")
  "$OHA" --no-tui --output-format json -c "$c" "$@" --rand-regex-url "$url" \
    >"$WORK/oha-$store-$op-$c.json" 2>"$WORK/oha.err" || { cat "$WORK/oha.err" >&2; exit 1; }
  after=$(sched "$pid")
  python3 "$HERE/report.py" cell "$store" "$op" "$c" "$WORK/oha-$store-$op-$c.json" "$before $after" >>"$RESULTS"
  tail -n 1 "$RESULTS" | tr '\t' ' ' | sed 's/^/serve-bench: /' >&2
}

# Blocks of runs: GET reads random runs of JR-00001000..JR-00009999; the PUT cell of
# concurrency 1, 16, 64 cancels random runs of block 1, 2, 3 (JR-00100000..JR-00199999, and
# so on, with POOL=100000; POOL is a power of ten, at least 10000).
GET_FIRST=1000
GET_RUNS=9000
GET_REGEX='JR-0000[1-9][0-9]{3}'
block_first() { echo $(($1 * POOL)); }
block_regex() {
  python3 - "$1" "$POOL" <<'EOF'
import sys
k, pool = int(sys.argv[1]), int(sys.argv[2])
digits = len(str(pool - 1))
if 10 ** digits != pool or pool < 10000:
    raise SystemExit("POOL must be a power of ten, at least 10000")
print("JR-" + ("%0*d" % (8 - digits, k)) + "[0-9]{%d}" % digits)
EOF
}

# seed STORE: starts the server of STORE (jobs manual) and loads the GET runs and the three
# PUT blocks; sets URL_<n> and TOKEN_<n>.
seed() {
  local store=$1 db=$2
  start "$store" "$db" "$WORK/manual.toml"
  SERVERS[$store]=$SERVER_PID URLS[$store]=$URL TOKENS[$store]=$TOKEN
  say "$store: loading $((GET_RUNS + 3 * POOL)) runs through the control API"
  python3 "$HERE/seed.py" load "$URL" "$GET_FIRST" "$GET_RUNS" 2>&1 | sed "s/^/serve-bench: $store: /" >&2
  for k in 1 2 3; do
    python3 "$HERE/seed.py" load "$URL" "$(block_first $k)" "$POOL" 2>&1 | sed "s/^/serve-bench: $store: /" >&2
  done
}

start_prism() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # The extract's first YAML document is the complete spec; the second is a partial copy.
  sed '/^---$/,$d' "$SPEC" >"$WORK/openapi.yaml"
  "$PRISM_BIN" mock -h 127.0.0.1 -p "$port" -v error "$WORK/openapi.yaml" >"$WORK/prism.out" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/v1/journal-runs/JR-00001000" && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/prism.out" >&2; say "Prism did not start"; exit 1; }
    sleep 0.1
  done
  SERVERS[prism]=$pid URLS[prism]=http://127.0.0.1:$port TOKENS[prism]=none
}

# The request cells, interleaved: for each request and concurrency, each server in turn.
# GET: SECS seconds. PUT: SECS seconds at concurrency 1; PUT_REQUESTS requests (default
# POOL/5) at 16 and 64, so that about 9% of them draw a run already drawn (refused); Prism,
# which keeps no state, SECS seconds.
request_cells() {
  local stores=("$@") store c k
  for c in 1 16 64; do
    for store in "${stores[@]}"; do
      cell "$store" GET "$c" "${URLS[$store]}/v1/journal-runs/$GET_REGEX" -w -z "${SECS}s" \
        -H "Authorization: Bearer ${TOKENS[$store]}"
    done
  done
  k=1
  for c in 1 16 64; do
    local amount=(-w -z "${SECS}s")
    [ "$c" = 1 ] || amount=(-n "$PUT_REQUESTS")
    for store in "${stores[@]}"; do
      local regex=$(block_regex $k) how=("${amount[@]}")
      # Prism keeps no state: it answers every PUT alike, for a duration.
      [ "$store" = prism ] && regex=$GET_REGEX how=(-w -z "${SECS}s")
      cell "$store" PUT "$c" "${URLS[$store]}/v1/journal-runs/$regex/cancel" "${how[@]}" -m PUT \
        -H "Authorization: Bearer ${TOKENS[$store]}"
    done
    k=$((k + 1))
  done
  # Which PUTs were accepted: the runs of each block now CancelInprogress (jobs are manual).
  for store in "${stores[@]}"; do
    [ "$store" = prism ] && continue
    curl -sf "${URLS[$store]}/_control/runs" -o "$WORK/runs.json"
    python3 "$HERE/report.py" accepted "$store" "$POOL" "$WORK/runs.json" >>"$RESULTS"
  done
  for store in "${stores[@]}"; do stop "${SERVERS[$store]}"; done
}

# The unpaced cancellation job: one Completed run of JOB_ENTRIES Created entries, loaded at
# start; from the PUT cancel until GET (which waits for the commit) shows it Cancelled.
# Three rounds, each on a fresh server; the table shows the median and the range.
bench_job() {
  local store=$1 db=$2
  [ -f "$WORK/job.json" ] || python3 "$HERE/seed.py" snapshot 1 "$JOB_ENTRIES" 1 "$WORK/job.json"
  local round
  for round in 1 2 3; do
    [ "$db" = ":memory:" ] || rm -f "$db" "$db-wal" "$db-shm"
    start "job-$store" "$db" "$WORK/unpaced.toml" --load "$WORK/job.json"
    local pid=$SERVER_PID
    python3 "$HERE/report.py" job "$store" "$URL" "$TOKEN" JR-00000001 "$JOB_ENTRIES" >>"$RESULTS"
    tail -n 1 "$RESULTS" | tr '\t' ' ' | sed 's/^/serve-bench: /' >&2
    stop "$pid"
  done
}

bench_list() {
  start list ":memory:" "$WORK/manual.toml"
  SERVERS[list]=$SERVER_PID
  python3 "$HERE/seed.py" load "$URL" 1 1000 2>/dev/null
  cell list list-1000 1 "$URL/_control/runs" -n 200
  # The live page's list of the same runs (HTML, issue 14: under 100 ms).
  cell list page-1000 1 "$URL/_control/" -n 200
  stop "${SERVERS[list]}"
}

say "SQLite files in $WORK ($(df -T "$WORK" | awk 'NR==2 {print $2 " on " $1}'))"
say "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), ${SECS} s per cell, $(date -u +%FT%TZ)"
seed sqlite "$WORK/bench.db"
seed ":memory:" ":memory:"
if [ "$PRISM" = 1 ]; then
  start_prism
  request_cells sqlite ":memory:" prism
else
  request_cells sqlite ":memory:"
fi
bench_job sqlite "$WORK/job.db"
bench_job ":memory:" ":memory:"
bench_list
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/report.py" table "$RESULTS" "$PRISM"
