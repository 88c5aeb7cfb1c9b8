#!/usr/bin/env python3
"""Figures for scripts/serve-bench.sh: one line of results.tsv per measure, and the table.

  report.py cell STORE OP C OHA_JSON [SCHED]   a cell from oha's JSON output; SCHED: the
                                               server's run and wait seconds before and after
  report.py accepted STORE POOL RUNS_JSON      accepted cancels per PUT block (GET /_control/runs)
  report.py job STORE URL TOKEN RUN ENTRIES    runs the cancellation job and times it
  report.py table RESULTS_TSV PRISM            the markdown table
"""
import json
import sys
import time
import urllib.request


def cell(store, op, c, path, sched="0 0 0 0"):
    b_run, b_wait, a_run, a_wait = map(float, sched.split())
    with open(path) as f:
        r = json.load(f)
    m = r["metrics"]
    codes = r.get("statusCodeDistribution", {})
    errors = r.get("errorDistribution", {})
    answered = sum(codes.values())
    print("\t".join(map(str, [
        "cell", store, op, c, "%.0f" % m["requests_per_sec"], "%.3f" % m["latency_ms"]["p50"],
        "%.3f" % m["latency_ms"]["p99"], "%.3f" % r["summary"]["total"], answered,
        json.dumps(codes, separators=(",", ":")), json.dumps(errors, separators=(",", ":")),
        "%.3f" % (a_run - b_run), "%.3f" % (a_wait - b_wait),
    ])))


def accepted(store, pool, path):
    pool = int(pool)
    with open(path) as f:
        runs = json.load(f)
    counts = {1: 0, 2: 0, 3: 0}
    for run in runs:
        k = int(run["number"][3:]) // pool
        if k in counts and run["status"] == "CancelInprogress":
            counts[k] += 1
    for k, c in zip((1, 2, 3), (1, 16, 64)):
        print("\t".join(map(str, ["accepted", store, c, counts[k]])))


def request(url, token, method="GET"):
    req = urllib.request.Request(url, method=method, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as answer:
        return json.load(answer)


def job(store, url, token, run, entries):
    start = time.monotonic()
    answer = request("%s/v1/journal-runs/%s/cancel" % (url, run), token, "PUT")
    if not answer.get("success"):
        raise SystemExit("the cancel was refused: %s" % answer)
    polls = 0
    while True:
        status = request("%s/v1/journal-runs/%s" % (url, run), token)["status"]
        polls += 1
        if status != "CancelInprogress":
            break
        time.sleep(0.01)
    took = time.monotonic() - start
    print("\t".join(map(str, ["job", store, entries, "%.3f" % took, "%.0f" % (int(entries) / took), status, polls])))


def fmt_rate(x):
    return "{:,.0f}".format(float(x))


def table(path, prism):
    cells, acc, jobs = {}, {}, {}
    with open(path) as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            if row[0] == "cell":
                cells[(row[1], row[2], int(row[3]))] = row
            elif row[0] == "accepted":
                acc[(row[1], int(row[2]))] = int(row[3])
            elif row[0] == "job":
                jobs.setdefault(row[1], []).append(row)
    stores = ["sqlite", ":memory:"] + (["prism"] if prism == "1" else [])
    head = "| request | c |" + "".join(" %s req/s | p50 ms | p99 ms |" % s for s in stores)
    print(head)
    print("|---|--:|" + "--:|--:|--:|" * len(stores))
    for op in ("GET", "PUT"):
        for c in (1, 16, 64):
            line = "| %s | %d |" % ("GET run" if op == "GET" else "PUT cancel", c)
            for s in stores:
                r = cells.get((s, op, c))
                line += " %s | %s | %s |" % ((fmt_rate(r[4]), r[5], r[6]) if r else ("-", "-", "-"))
            print(line)
    print()
    print("PUT cancel: each cell draws runs at random from its own block of loaded runs, so some PUTs name "
          "a run already cancelling and are refused (200, success:false, nothing committed); the table above "
          "counts every answer, this one the accepted (durable) cancels, counted from the runs left "
          "CancelInprogress. At concurrency 16 and 64 a cell is a fixed number of requests, not a duration.")
    print()
    print("| c | store | answered | accepted | refused | accepted/s |")
    print("|--:|---|--:|--:|--:|--:|")
    for c in (1, 16, 64):
        for s in ("sqlite", ":memory:"):
            r = cells.get((s, "PUT", c))
            if not r or (s, c) not in acc:
                continue
            answered, ok = int(r[8]), acc[(s, c)]
            print("| %d | %s | %s | %s | %.1f%% | %s |" % (
                c, s, fmt_rate(answered), fmt_rate(ok), 100.0 * (answered - ok) / max(answered, 1),
                fmt_rate(ok / float(r[7]))))
    bad = [r for r in cells.values() if r[10] != "{}" or set(json.loads(r[9])) - {"200"}]
    for r in bad:
        print("\nnote: %s %s c=%s: status codes %s, errors %s" % (r[1], r[2], r[3], r[9], r[10]))
    print()
    print("| unpaced cancellation job | entries | seconds (median) | entries/s (median) | entries/s (rounds) |")
    print("|---|--:|--:|--:|--:|")
    for s in ("sqlite", ":memory:"):
        if s in jobs:
            rows = sorted(jobs[s], key=lambda r: float(r[3]))
            r = rows[len(rows) // 2]
            print("| %s | %s | %s | %s | %s |" % (s, fmt_rate(r[2]), r[3], fmt_rate(r[4]),
                                                ", ".join(fmt_rate(x[4]) for x in jobs[s])))
    print()
    print("The server's threads in each cell: CPU seconds used, and seconds spent runnable but waiting "
          "for a CPU (schedstat; other processes, oha among them, held both cores), per 1,000 answers.")
    print()
    print("| request | c |" + "".join(" %s CPU ms / 1k | waited ms / 1k |" % s for s in stores))
    print("|---|--:|" + "--:|--:|" * len(stores))
    for op in ("GET", "PUT"):
        for c in (1, 16, 64):
            line = "| %s | %d |" % ("GET run" if op == "GET" else "PUT cancel", c)
            for s in stores:
                r = cells.get((s, op, c))
                if r and len(r) > 12 and int(r[8]):
                    k = int(r[8]) / 1000.0
                    line += " %.0f | %.0f |" % (1000 * float(r[11]) / k, 1000 * float(r[12]) / k)
                else:
                    line += " - | - |"
            print(line)
    r = cells.get(("list", "list-1000", 1))
    if r:
        print()
        print("GET /_control/runs with 1,000 runs (c=1): %s req/s, p50 %s ms, p99 %s ms" % (fmt_rate(r[4]), r[5], r[6]))
    r = cells.get(("list", "page-1000", 1))
    if r:
        print("GET /_control/ (the live page's list) with 1,000 runs (c=1): %s req/s, p50 %s ms, p99 %s ms" % (fmt_rate(r[4]), r[5], r[6]))


def main(argv):
    if argv[:1] == ["cell"] and len(argv) in (5, 6):
        cell(*argv[1:])
    elif argv[:1] == ["accepted"] and len(argv) == 4:
        accepted(*argv[1:])
    elif argv[:1] == ["job"] and len(argv) == 6:
        job(*argv[1:])
    elif argv[:1] == ["table"] and len(argv) == 3:
        table(*argv[1:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
