"""How fast the live page answers: scripts/page-timing.sh runs this (a measurement, not a test).

- The list of runs (`GET /_control/`, and its live part) with RUNS runs loaded: copies of the
  documented example under numbers JR-00000001 up (entries renumbered), every tenth one
  mid-cancellation (three steps of a manual job taken), so the list shows progress bars too.
- A run's page, first and last page of entries, for a run of ENTRIES entries (processing in
  manual mode, finished through the control API).

Each URL is fetched ROUNDS times over one kept-alive connection (after one warm-up request);
the median, 95th percentile and maximum wall times are printed, in milliseconds.

    python3 timing.py [RUNS] [ENTRIES] [ROUNDS]      (defaults: 1000 100000 50)
"""

import copy
import http.client
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import EXAMPLE, Server  # noqa: E402


def timed(server, path, rounds):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        times = []
        size = 0
        for i in range(rounds + 1):
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"page-timing: GET {path}: HTTP {response.status}")
            size = len(body)
            if i > 0:
                times.append(elapsed)
    finally:
        conn.close()
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"GET {path}: {size:,} bytes; median {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms ({rounds} requests)"
    )
    return statistics.median(times)


def main(runs, entries, rounds):
    server = Server('[jobs]\nmode = "manual"\n')
    try:
        example = json.loads(EXAMPLE.read_text())
        started = time.perf_counter()
        for n in range(1, runs + 1):
            snapshot = copy.deepcopy(example)
            snapshot["journalRun"]["number"] = f"JR-{n:08d}"
            for k, entry in enumerate(snapshot["journalEntries"]):
                entry["number"] = f"JE-{(n - 1) * 10 + k + 1:08d}"
            server.load(snapshot)
        token_calls = 0
        for n in range(1, runs + 1, 10):
            server.cancel(f"JR-{n:08d}")
            token_calls += 1
            for _ in range(3):
                server.control("POST", f"/runs/JR-{n:08d}/job/step")
        print(f"loaded {runs} runs ({token_calls} of them mid-cancellation) in {time.perf_counter() - started:.1f} s")
        timed(server, "/_control/", rounds)
        timed(server, "/_control/page/runs", rounds)

        big = runs + 1
        server.control("PUT", "/processing", {"entries": entries, "fail": False})
        status, answer = server.request(
            "POST",
            "/v1/journal-runs",
            json.dumps(
                {
                    "journalEntryDate": "2026-01-31",
                    "targetStartDate": "2026-01-01",
                    "targetEndDate": "2026-01-31",
                    "transactionTypes": [{"type": "Invoice Item"}],
                }
            ).encode(),
            {"Authorization": f"Bearer {server.token()}", "Content-Type": "application/json"},
        )
        number = answer.get("journalRunNumber") if isinstance(answer, dict) else None
        if status != 200 or number != f"JR-{big:08d}":
            raise SystemExit(f"page-timing: the run was not created: HTTP {status} {answer!r}")
        server.control("POST", f"/runs/{number}/job/finish")
        last = (entries + 99) // 100
        timed(server, f"/_control/page/runs/{number}", rounds)
        timed(server, f"/_control/page/runs/{number}?page={last}", rounds)
        timed(server, "/_control/", rounds)
    finally:
        server.stop()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [1000, 100000, 50][len(args):]))
