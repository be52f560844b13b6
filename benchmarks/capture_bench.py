"""Web capture of a local page with 20 images, all artifacts (WARC, 20 media, full-page PNG,
banner, PDF, MHTML, DOM, headers; hashed, encrypted, committed), against the bare minimum in
the same run: `requests.get` of the page plus a headless QtWebEngine full-page screenshot of it.

Target (issue 3): capture ≤ 1.5× the baseline.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/capture_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")
os.environ.setdefault("EVIDENCE_KIT_HOME", tempfile.mkdtemp(prefix="ek-bench-home-"))

import requests
from PIL import Image

from evidence_kit.render.engine import ensure_app

IMAGES = 20


def make_site() -> dict[str, tuple[str, bytes]]:
    files: dict[str, tuple[str, bytes]] = {}
    for i in range(IMAGES):
        buf = io.BytesIO()
        Image.new("RGB", (320, 240), (i * 12 % 256, 80, 200 - i * 5)).save(buf, "JPEG", quality=85)
        files[f"/img/{i}.jpg"] = ("image/jpeg", buf.getvalue())
    body = "".join(f'<figure><img src="/img/{i}.jpg" width="320" height="240"><figcaption>Photo {i} 사진'
                   f"</figcaption></figure>" for i in range(IMAGES))
    html = (f"<!doctype html><html><head><meta charset='utf-8'><title>Gallery 갤러리</title>"
            f"<meta property='og:image' content='/img/0.jpg'></head><body><h1>Gallery</h1>{body}"
            f"<script>document.title += ' (loaded)';</script></body></html>")
    files["/gallery.html"] = ("text/html; charset=utf-8", html.encode())
    return files


def serve(files: dict[str, tuple[str, bytes]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            ctype, data = files.get(self.path, ("text/plain", b"missing"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def baseline(url: str) -> tuple[float, float]:
    """requests.get + a plain QtWebEngine load, resize to the page height, grab; then the same
    plus writing that screenshot as a PNG (in memory). Returns both times."""
    from PySide6.QtCore import QEventLoop, QSize, Qt, QTimer
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView

    t = time.perf_counter()
    requests.get(url, timeout=30).raise_for_status()
    profile = QWebEngineProfile()
    view = QWebEngineView()
    page = QWebEnginePage(profile, view)
    view.setPage(page)
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    view.resize(1280, 900)
    view.show()
    loop = QEventLoop()
    page.loadFinished.connect(lambda ok: loop.quit())
    page.load(url)
    loop.exec()
    heights: list[int] = []
    page.runJavaScript("document.documentElement.scrollHeight", 0, lambda h: (heights.append(int(h)), loop.quit()))
    loop.exec()
    view.resize(QSize(1280, heights[0]))
    QTimer.singleShot(300, loop.quit)  # one settle pause; the naive way
    loop.exec()
    shot = view.grab().toImage()
    assert shot.height() == heights[0]
    elapsed = time.perf_counter() - t
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    shot.save(buf, "PNG")
    with_png = time.perf_counter() - t
    view.close()
    page.deleteLater()
    view.deleteLater()
    profile.deleteLater()
    return elapsed, with_png


def capture(case_dir: Path, url: str, n: int) -> tuple[float, int]:
    from evidence_kit.core.capture import CaptureOptions
    from evidence_kit.core.case import Case
    from evidence_kit.render.webcapture import capture_url

    case = Case.open(case_dir, user="bench", password="bench-password")
    try:
        t = time.perf_counter()
        item = capture_url(case, url, options=CaptureOptions.from_settings(ntp_server="", tsa_urls=[]))
        elapsed = time.perf_counter() - t
    finally:
        case.close()
    return elapsed, len(item.artifacts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from evidence_kit.core.case import Case

    ensure_app()
    server = serve(make_site())
    url = f"http://127.0.0.1:{server.server_address[1]}/gallery.html"
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        case_dir = Path(tmp) / "bench.ekcase"
        Case.create(case_dir, number="BENCH-1", title="capture bench", user="bench", password="bench-password").close()
        baseline(url)  # warm up Chromium once for both
        capture(case_dir, url, 0)
        base_times, png_times, cap_times, artifacts = [], [], [], 0
        for i in range(args.runs):  # interleaved, so both see the same machine load
            grab, png = baseline(url)
            base_times.append(grab)
            png_times.append(png)
            elapsed, artifacts = capture(case_dir, url, i)
            cap_times.append(elapsed)
    server.shutdown()
    b, p, c = statistics.median(base_times), statistics.median(png_times), statistics.median(cap_times)
    print(f"page with {IMAGES} images, {args.runs} runs, medians:")
    print(f"  baseline A  requests.get + QtWebEngine full-page grab (QImage): {b * 1000:8.0f} ms")
    print(f"  baseline B  the same, screenshot written as PNG:               {p * 1000:8.0f} ms")
    print(f"  capture     all {artifacts} artifacts, hashed, encrypted, committed: {c * 1000:8.0f} ms")
    print(f"  ratio       capture / A = {c / b:.2f}x, capture / B = {c / p:.2f}x (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
