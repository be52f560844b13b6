"""Workstation self-test: can this machine (and this build) run the evidence browser and render
pages to PDF? Used by `evidence-kit selftest`, by IT staff after installing, and by the packaged
build's smoke test, where a missing QtWebEngineProcess, .pak resource or ICU data file shows up
as a clear failure instead of a blank capture later.

Nothing leaves the machine: the page is an inline HTML string, rendered in an off-the-record
profile with network access to nothing.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

# Korean and English text, so that missing fonts or ICU data show up in the PDF size/text check.
_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>evidence-kit-selftest</title></head>
<body><h1>Evidence Kit 자가 진단</h1><p id="t">증거 보존 도구 · evidence preservation tool</p></body></html>"""
_EXPECTED_TEXT = "증거 보존 도구 · evidence preservation tool"


@dataclass
class WebEngineCheck:
    ok: bool
    message: str
    qt_version: str = ""
    chromium_version: str = ""
    load_ms: int = 0
    pdf_bytes: int = 0
    details: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "message": self.message, "qt_version": self.qt_version,
                "chromium_version": self.chromium_version, "load_ms": self.load_ms,
                "pdf_bytes": self.pdf_bytes, "details": dict(self.details)}


def check_webengine(timeout_s: float = 60.0) -> WebEngineCheck:
    """Load a small page in QtWebEngine, read its text back through JavaScript (proves the
    renderer process runs) and print it to PDF (proves the resources are in place).

    Creates the QApplication if none exists; must run on the thread that owns it."""
    started = time.monotonic()
    try:
        from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer, qVersion
        from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # a build without QtWebEngine
        return WebEngineCheck(False, f"QtWebEngine is not available: {exc}")

    app = QCoreApplication.instance()
    if app is None:
        # QtWebEngine needs shared OpenGL contexts, set before the application exists.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication([sys.argv[0] if sys.argv else "evidence-kit"])

    try:
        from PySide6.QtWebEngineCore import qWebEngineChromiumVersion
        chromium = str(qWebEngineChromiumVersion())
    except ImportError:
        chromium = ""
    result = WebEngineCheck(False, "", qt_version=str(qVersion()), chromium_version=chromium)
    profile = QWebEngineProfile(app)  # no storage name: off the record, nothing written to disk
    page = QWebEnginePage(profile, app)
    loop = QEventLoop()
    state: dict[str, object] = {}
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)

    def wait(key: str) -> bool:
        timer.start(int(max(1.0, timeout_s - (time.monotonic() - started)) * 1000))
        if key not in state:
            loop.exec()
        timer.stop()
        return key in state

    def finished(ok: bool) -> None:
        state["loaded"] = ok
        loop.quit()

    page.loadFinished.connect(finished)
    load_started = time.monotonic()
    page.setHtml(_PAGE)
    try:
        if not wait("loaded"):
            result.message = f"The test page did not load within {timeout_s:.0f} s."
            return result
        if not state["loaded"]:
            result.message = "The test page failed to load (renderer process not started?)."
            return result
        result.load_ms = int((time.monotonic() - load_started) * 1000)

        def text_read(value: object) -> None:
            state["text"] = value
            loop.quit()

        page.runJavaScript("document.getElementById('t').textContent", 0, text_read)
        if not wait("text"):
            result.message = "JavaScript did not answer: the renderer process is not running."
            return result
        if state["text"] != _EXPECTED_TEXT:
            result.message = "The page's text came back changed (text encoding or ICU data problem)."
            return result

        def pdf_done(data: object) -> None:
            state["pdf"] = bytes(data)  # type: ignore[call-overload]
            loop.quit()

        page.printToPdf(pdf_done)
        if not wait("pdf"):
            result.message = "Printing the page to PDF did not finish."
            return result
        pdf = state["pdf"]
        assert isinstance(pdf, bytes)
        result.pdf_bytes = len(pdf)
        if not pdf.startswith(b"%PDF-"):
            result.message = "Printing the page to PDF gave no PDF."
            return result
        result.details["QTWEBENGINEPROCESS_PATH"] = "set" if os.environ.get("QTWEBENGINEPROCESS_PATH") else "default"
        result.ok = True
        result.message = "QtWebEngine renders pages and prints them to PDF."
        return result
    finally:
        page.loadFinished.disconnect(finished)
        # The page must go before its profile, or Chromium warns about a profile still in use.
        import shiboken6

        shiboken6.delete(page)
        shiboken6.delete(profile)
