#!/usr/bin/env python3
"""Seeds a `journal-run serve` with runs through its control API, or writes one snapshot file.

  seed.py load URL FIRST COUNT [CONNECTIONS]
      POSTs COUNT Completed runs JR-<FIRST>.. to URL/_control/runs, each with one Created
      entry whose number is the run's (entry numbers stay unique across runs), over
      CONNECTIONS keep-alive connections (default 32). Prints runs/s on stderr.
  seed.py snapshot RUN ENTRIES FIRST_ENTRY FILE
      Writes a Completed run RUN with ENTRIES Created entries JE-<FIRST_ENTRY>.. to FILE
      (for `journal-run serve --load FILE`: the control API takes bodies up to 2 MB).

Standard library only: asyncio over raw HTTP/1.1, so that loading 10^5 runs takes seconds.
"""
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

RUN_DOC = {
    "aggregateCurrency": False,
    "executedOn": "2026-02-01T10:01:49Z",
    "journalEntryDate": "2026-01-31",
    "segmentationRuleName": "GL Segment Rule",
    "status": "Completed",
    "targetEndDate": "2026-01-31",
    "targetStartDate": "2026-01-01",
    "transactionTypes": [{"type": "Invoice Item"}, {"type": "Taxation Item"}],
}


def entry(number):
    return {
        "currency": "USD",
        "homeCurrency": "USD",
        "journalEntryDate": "2026-01-31",
        "journalEntryItems": [
            {"accountingCodeName": "Accounts Receivable", "amount": "100.50", "type": "Debit"},
            {"accountingCodeName": "Sales Revenue", "amount": "100.50", "type": "Credit"},
        ],
        "number": "JE-%08d" % number,
        "status": "Created",
        "timePeriodEnd": "2026-01-31",
        "timePeriodStart": "2026-01-01",
        "transactionType": "Invoice Item",
        "transferredToAccounting": "No",
    }


def snapshot(run, entries):
    doc = dict(RUN_DOC, number="JR-%08d" % run, totalJournalEntryCount=len(entries))
    return {"journalRun": doc, "journalEntries": entries}


async def worker(host, port, queue, done):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                run = queue.pop()
            except IndexError:
                return
            body = json.dumps(snapshot(run, [entry(run)]), separators=(",", ":")).encode()
            writer.write(
                b"POST /_control/runs HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % (host.encode(), len(body)) + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            answer = await reader.readexactly(length)
            if status != 200:
                raise SystemExit("loading JR-%08d: HTTP %d %s" % (run, status, answer[:300]))
            done[0] += 1
    finally:
        writer.close()


async def load(url, first, count, connections):
    parts = urlsplit(url)
    queue = list(range(first + count - 1, first - 1, -1))
    done = [0]
    start = time.monotonic()
    await asyncio.gather(*(worker(parts.hostname, parts.port, queue, done) for _ in range(connections)))
    took = time.monotonic() - start
    print("loaded %d runs in %.1f s (%.0f runs/s)" % (done[0], took, done[0] / took), file=sys.stderr)


def main(argv):
    if len(argv) >= 4 and argv[0] == "load":
        connections = int(argv[4]) if len(argv) > 4 else 32
        asyncio.run(load(argv[1], int(argv[2]), int(argv[3]), connections))
    elif len(argv) == 5 and argv[0] == "snapshot":
        run, count, first = int(argv[1]), int(argv[2]), int(argv[3])
        with open(argv[4], "w") as out:
            json.dump(snapshot(run, [entry(first + i) for i in range(count)]), out, separators=(",", ":"))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
