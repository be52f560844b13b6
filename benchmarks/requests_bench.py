"""Platform requests: how long drafting takes, and how deadlines/statistics scale.

  1. Drafting a request for 1 and 50 items (check, PDF + DOCX + text, encrypted store, signed
     event) against the baseline "reportlab builds a one-paragraph PDF" measured in the same run.
  2. `due` + `stats` over 2,000 tracked requests against the baseline "SELECT * FROM requests".

Run: .venv/bin/python benchmarks/requests_bench.py
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")
os.environ.setdefault("EVIDENCE_KIT_HOME", tempfile.mkdtemp(prefix="ek-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.requests import RequestSpec, draft_request, due, stats
from evidence_kit.core.requests.render import FONT, _register_fonts

FIELDS = {"officer_email": "kim@police.go.kr", "officer_phone": "+82-2-700-1234", "summary": "개요 " * 200,
          "legal_articles": "성폭력처벌법 제14조의2"}


def best(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def baseline_pdf() -> None:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buf = io.BytesIO()
    SimpleDocTemplate(buf).build([Paragraph("요청서", ParagraphStyle("b", fontName=FONT))])


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="ek-bench-case-"))
    case = Case.create(folder / "bench.ekcase", number="2026-BENCH-0001", title="bench", user="kim",
                       password="officer-pass-1", full_name="김경찰", badge="12345", offence="허위영상물 반포",
                       agency="서울경찰청")
    for i in range(50):
        d = case.new_item("web", source=f"https://x.com/u{i}/status/{1790000000000000000 + i}", title=f"post {i}",
                          action=ledger.CAPTURED, platform="x")
        d.add_bytes(os.urandom(2048), role="media", name=f"m{i}.jpg", mime="image/jpeg")
        d.commit()
    _register_fonts()
    baseline_pdf()
    base = best(baseline_pdf)
    print(f"baseline: one-paragraph reportlab PDF               {base * 1000:8.1f} ms")
    for n in (1, 50):
        items = [f"E{i + 1:04d}" for i in range(n)]
        t = best(lambda items=items: draft_request(case, RequestSpec("x", "preservation", items, fields=FIELDS)),
                 runs=3)
        print(f"draft for {n:2d} item(s) (PDF+DOCX+text, stored, logged) {t * 1000:8.1f} ms  "
              f"ratio {t / base:6.1f}x baseline")

    # 2. many tracked requests: rows written directly (drafting 2,000 letters would take minutes)
    start = date(2025, 1, 1)
    with case.transaction(__import__("evidence_kit.core.roles", fromlist=["Permission"]).Permission.REQUEST):
        for i in range(2000):
            sent = start + timedelta(days=i % 300)
            answered = (sent + timedelta(days=i % 40)).isoformat() if i % 3 == 0 else ""
            case.conn.execute(
                "INSERT INTO requests(reference, platform, type, lang, status, created_at, created_by, draft_date, "
                "fields, items, sent_date, answered_date, expires_date, updated_at) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (f"B-{i}", ("x", "meta", "google", "tiktok")[i % 4], ("preservation", "disclosure_subscriber")[i % 2],
                 "ko", "answered" if answered else "sent", "", "kim", sent.isoformat(), json.dumps(FIELDS),
                 json.dumps([{"exhibit": "2026-BENCH-0001-E0001"}]), sent.isoformat(), answered,
                 (sent + timedelta(days=90)).isoformat() if i % 2 == 0 else "", ""))
    raw = best(lambda: case.conn.execute("SELECT * FROM requests").fetchall())
    work = best(lambda: (due(case, today=date(2025, 11, 1)), stats(case)))
    print(f"baseline: SELECT * FROM 2,050 requests                {raw * 1000:8.1f} ms")
    print(f"due + stats over 2,050 requests                       {work * 1000:8.1f} ms  "
          f"ratio {work / raw:6.1f}x baseline")
    case.close()


if __name__ == "__main__":
    main()
