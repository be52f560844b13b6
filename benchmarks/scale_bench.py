"""Scale: a case with up to 100,000 items and 1,000,000 ledger events.

Measures, for 1k, 10k and 100k items (10 ledger events per item): opening the case, the first
table page, a search, and full verification (time and peak memory), and prints how each grows
per 10x step. The baseline for each size is the cost of reading the ledger rows alone
(`SELECT * FROM ledger`), measured in the same run: verification cannot be cheaper than that.

    .venv/bin/python benchmarks/scale_bench.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PASSWORD = "scale-bench-pw"

MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    from evidence_kit.core.case import Case
    t0 = time.perf_counter()
    case = Case.open(sys.argv[1], user="bench", password=sys.argv[2])
    t_open = time.perf_counter() - t0
    t0 = time.perf_counter()
    first = case.items(offset=0, limit=100)
    t_page = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = case.conn.execute("SELECT count(*) FROM items WHERE title LIKE ? OR source LIKE ?",
                             ("%77%", "%77%")).fetchone()[0]
    t_search = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = 0
    for _ in case.conn.execute("SELECT * FROM ledger"):
        rows += 1
    t_rows = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = case.verify(record=False)
    t_verify = time.perf_counter() - t0
    assert report.ok, [str(p) for p in report.problems[:5]]
    print(json.dumps({"open": t_open, "page": t_page, "search": t_search, "hits": hits, "rows": t_rows,
                      "verify": t_verify, "events": report.events, "items": report.items,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def build(case_dir: Path, n_items: int, events_per_item: int = 10) -> float:
    """Fill a case fast: real objects, real signed events, direct row inserts in big batches."""
    from evidence_kit.core import db, ledger
    from evidence_kit.core.case import Case, artifact_digest_entry

    t0 = time.perf_counter()
    case = Case.create(case_dir, number="SCALE", title="scale", user="bench", password=PASSWORD)
    stored = [case.objects.put_bytes(f"sample evidence {i}".encode() * 50) for i in range(20)]
    conn = case.conn
    batch = 5000
    for start in range(0, n_items, batch):
        with db.write_transaction(conn):
            for n in range(start + 1, min(n_items, start + batch) + 1):
                exhibit = f"SCALE-E{n:06d}"
                obj = stored[n % len(stored)]
                now = ledger.utc_now_ms()
                conn.execute("INSERT INTO items(id, exhibit, kind, title, source, captured_at, collector) "
                             "VALUES (?,?,?,?,?,?,?)", (n, exhibit, "web", f"page {n}",
                                                        f"https://example.org/post/{n}", now, "bench"))
                conn.execute("INSERT INTO artifacts(item_id, role, name, mime, size, sha256, md5, sha1, object) "
                             "VALUES (?,?,?,?,?,?,?,?,?)", (n, "original", f"f{n}.txt", "text/plain", obj.size,
                                                            obj.sha256, obj.hashes["md5"], obj.hashes["sha1"],
                                                            obj.name))
                case._event(ledger.CAPTURED, exhibit, {
                    "kind": "web", "source": f"https://example.org/post/{n}", "title": f"page {n}",
                    "artifacts": [artifact_digest_entry("original", f"f{n}.txt", obj.size, obj.hashes)]})
                for k in range(events_per_item - 1):
                    case._event(ledger.VIEWED, exhibit, {"artifact": f"f{n}.txt", "n": k})
    case._write_head()
    case.close()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")
    results = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            case_dir = Path(tmp) / f"case-{n}.ekcase"
            t_build = build(case_dir, n)
            out = subprocess.run([sys.executable, "-c", MEASURE, str(case_dir), PASSWORD], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out)
            r["n"], r["build"] = n, t_build
            results.append(r)
            print(f"{n:>7} items, {r['events']:>8} events: build {t_build:7.1f} s | open {r['open'] * 1000:6.0f} ms | "
                  f"first page {r['page'] * 1000:5.1f} ms | search {r['search'] * 1000:6.1f} ms | "
                  f"verify {r['verify']:6.1f} s = {r['verify'] / r['rows']:.1f}x reading the ledger rows "
                  f"({r['rows']:.2f} s) | peak {r['peak_mb']:.0f} MB", flush=True)
    for a, b in itertools.pairwise(results):
        f = b["n"] / a["n"]
        print(f"growth {a['n']}->{b['n']} ({f:.0f}x): open {b['open'] / a['open']:.1f}x, "
              f"page {b['page'] / a['page']:.1f}x, search {b['search'] / a['search']:.1f}x, "
              f"verify {b['verify'] / a['verify']:.1f}x, memory {b['peak_mb'] / a['peak_mb']:.1f}x")


if __name__ == "__main__":
    main()
