"""The counts of scripts/bench.sh with DuckDB's read_json: entries the cancellation job would
cancel, and entries that would fail, of the export FILE (one JSON object)."""
import json
import sys

import duckdb

con = duckdb.connect()
cancelled, failed = con.execute(
    """
    SELECT count(*) FILTER (WHERE e.status <> 'Cancelled'
                            AND coalesce(e.transferredToAccounting, 'No')
                                NOT IN ('Yes', 'Processing')),
           count(*) FILTER (WHERE e.status <> 'Cancelled'
                            AND e.transferredToAccounting IN ('Yes', 'Processing'))
    FROM (SELECT unnest(journalEntries) AS e
          FROM read_json(?, format = 'auto', maximum_object_size = 2000000000))
    """,
    [sys.argv[1]],
).fetchone()
print(json.dumps({"cancelled": cancelled, "failed": failed}, separators=(",", ":")))
