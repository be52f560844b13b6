"""Court report for a case of N photo items: time per item, against a plain reportlab baseline.

Baseline ("plain reportlab"): a document with the same number of pages, each holding one
Paragraph of the same amount of text, in the same embedded font; i.e. what reportlab costs
anyway. Ours adds thumbnails (decrypt + decode + blur), tables, and the page X of Y pass.

    .venv/bin/python benchmarks/report_bench.py [N]
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")
os.environ.setdefault("EVIDENCE_KIT_HOME", tempfile.mkdtemp(prefix="ek-bench-"))

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from evidence_kit.core import ledger
from evidence_kit.core.case import TOOL, Case
from evidence_kit.core.export.context import ExportContext
from evidence_kit.core.export.report import Styles, register_fonts, write_court_report


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    tmp = Path(tempfile.mkdtemp(prefix="ek-report-bench-"))
    photos = tmp / "photos"
    photos.mkdir()
    for i in range(n):  # distinct 1600x1200 JPEGs
        im = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
        im.putpixel((i % 1600, 0), (255, 0, 0))
        im.save(photos / f"photo_{i:04d}.jpg", quality=85)
    case = Case.create(tmp / "bench.ekcase", number="2026-BENCH-0001", title="Benchmark", user="kim",
                       password="bench-password-1", full_name="Kim", badge="1")
    items = case.ingest([photos]).items
    ctx = ExportContext(case_info=case.info, exporter=case.user, exported_at=ledger.utc_now_ms(), lang="ko",
                        blur=True, items=items, events=case.events(), ledger_head=case.ledger_head(),
                        evidence_digest="0" * 64, bundle_name="bench.zip", tool=TOOL, users=case.users(),
                        read_artifact=case.read_artifact)
    start = time.perf_counter()
    out = io.BytesIO()
    write_court_report(ctx, out)
    ours = time.perf_counter() - start
    pdf = out.getvalue()
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")

    register_fonts()
    st = Styles()
    start = time.perf_counter()
    story = []
    for _ in range(pages):
        story += [Paragraph("증거물 hash " + "0123456789abcdef " * 150, st.body), PageBreak()]
    SimpleDocTemplate(io.BytesIO(), pagesize=A4).build(story)
    base = time.perf_counter() - start

    print(f"{n} photo items, {pages} pages, {len(pdf) / 1e6:.1f} MB PDF")
    print(f"plain reportlab, same pages (baseline): {base:6.2f} s")
    print(f"write_court_report                    : {ours:6.2f} s  ({ours / n * 1000:.0f} ms per item)")
    print(f"time ratio ours/baseline: {ours / base:.2f}")
    case.close()


if __name__ == "__main__":
    main()
