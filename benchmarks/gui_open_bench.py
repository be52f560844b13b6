"""Open a case with 100,000 items in the desktop application and show the first screen of the
evidence table (offscreen), against a named baseline measured in the same run:

    baseline "core open + first 100 items": Case.open() then case.items(limit=100)
    gui      "window shown, table painted":  Case.open(), MainWindow(...).show(), first paint done

The case is built once with direct inserts (scale_bench.build: real objects, real signed ledger
events), timed separately. Each measurement runs in a fresh process, best of --repeat.
The custody view's first screen is measured too (--events-per-item 10 gives 1,000,000 events).

    .venv/bin/python benchmarks/gui_open_bench.py [--items 100000] [--events-per-item 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BASELINE = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    from evidence_kit.core.case import Case
    case = Case.open(sys.argv[1], user="bench", password=sys.argv[2])
    first = case.items(offset=0, limit=100)
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(first)}))
""")

GUI = textwrap.dedent("""
    import json, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from evidence_kit.gui.app import create_application
    app = create_application([])        # the application exists before the user picks a case
    from evidence_kit.gui.main_window import MainWindow
    from evidence_kit.core.case import Case
    from evidence_kit.core.settings import Settings
    settings = Settings()
    t0 = time.perf_counter()
    case = Case.open(sys.argv[1], user="bench", password=sys.argv[2])
    window = MainWindow(case, settings)
    window.resize(1440, 860)
    window.show()
    window.evidence.table.viewport().repaint()   # the first screen of rows is painted
    app.processEvents()
    t_table = time.perf_counter() - t0
    m = window.evidence.model
    visible = window.evidence.table.rowAt(window.evidence.table.viewport().height() - 1) + 1
    t1 = time.perf_counter()
    window.tabs.setCurrentWidget(window.custody)
    window.custody.table.viewport().repaint()
    app.processEvents()
    t_custody = time.perf_counter() - t1
    t2 = time.perf_counter()
    window.evidence.search.setText("post/7777")
    window.evidence._apply_search()
    t_search = time.perf_counter() - t2
    hits = m.rowCount()
    t3 = time.perf_counter()
    window.evidence.table.sortByColumn(2, window.evidence.table.horizontalHeader().sortIndicatorOrder())
    window.evidence.search.setText(""); window.evidence._apply_search()
    t_sort = time.perf_counter() - t3
    print(json.dumps({"seconds": t_table, "rows": m.rowCount(), "visible": visible, "custody": t_custody,
                      "events": window.custody.model.rowCount(), "search": t_search, "hits": hits,
                      "sort_title": t_sort}))
    window.close()
""")


def _load_builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("scale_bench", HERE / "scale_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(code: str, case_dir: Path, password: str) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code, str(case_dir), password], check=True, capture_output=True,
                         text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events-per-item", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")  # the KDF is not what is measured
    os.environ.setdefault("EVIDENCE_KIT_HOME", tempfile.mkdtemp(prefix="ek-bench-home-"))
    scale = _load_builder()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        case_dir = Path(tmp) / "bench.ekcase"
        t0 = time.perf_counter()
        scale.build(case_dir, args.items, events_per_item=args.events_per_item)
        print(f"built {args.items:,} items ({args.items * args.events_per_item:,} events) in "
              f"{time.perf_counter() - t0:.1f} s (not part of the measurement)")
        base = min((_run(BASELINE, case_dir, scale.PASSWORD) for _ in range(args.repeat)),
                   key=lambda r: r["seconds"])
        gui = min((_run(GUI, case_dir, scale.PASSWORD) for _ in range(args.repeat)), key=lambda r: r["seconds"])
    assert gui["rows"] == args.items
    print(f"baseline  core open + first 100 items:       {base['seconds'] * 1000:7.0f} ms")
    print(f"gui       window shown, first table screen:  {gui['seconds'] * 1000:7.0f} ms "
          f"({gui['visible']} rows visible of {gui['rows']:,}) = {gui['seconds'] / base['seconds']:.2f}x baseline "
          f"({'under' if gui['seconds'] < 1 else 'OVER'} the 1 s target)")
    print(f"gui       custody log first screen:          {gui['custody'] * 1000:7.0f} ms ({gui['events']:,} events)")
    print(f"gui       search (substring, all items):     {gui['search'] * 1000:7.0f} ms ({gui['hits']} hits)")
    print(f"gui       sort by title + clear search:      {gui['sort_title'] * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
