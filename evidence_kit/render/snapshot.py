"""Rendering from a page already shown in a browser view (the evidence browser).

Everything comes from the live page as the investigator sees it: the DOM after scripts,
title and URL, the PDF, the MHTML, and the visible viewport. The full-page PNG is drawn by a
hidden view from the DOM snapshot, in the same profile with JavaScript off, so the page's
scripts do not run again and the picture shows the state that was captured.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QMarginsF, QObject, Signal
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtWebEngineCore import QWebEngineDownloadRequest, QWebEnginePage
from PySide6.QtWidgets import QWidget

from ..core.capture.web import RenderOutput, RenderRequest
from .engine import _WORLD, DOM_SCRIPT, PageRenderer, _png_bytes, engine_name


class PageSnapshot(QObject):
    done = Signal(object)

    def __init__(self, page: QWebEnginePage, request: RenderRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.page = page
        self.request = request
        self.out = RenderOutput(engine=engine_name(), source="browser view")
        profile = page.profile()
        self.profile_label = ("off-the-record" if profile.isOffTheRecord()
                              else f"persona:{profile.storageName()}")
        self.out.profile = self.profile_label
        self._finished = False
        self._started = 0.0
        self._full: PageRenderer | None = None
        self._download: QWebEngineDownloadRequest | None = None
        self._mhtml_path: Path | None = None
        self._viewport_png = b""

    def start(self) -> None:
        self._started = time.monotonic()
        self.out.title = self.page.title()
        self.out.final_url = self.page.url().toString()
        view = _view_of(self.page)
        if view is not None:
            image = view.grab().toImage()
            self.out.extra["viewport_png"] = True
            self.out.extra["viewport_size"] = [image.width(), image.height()]
            self._viewport_png = _png_bytes(image)
        else:
            self._viewport_png = b""
        self.page.runJavaScript(DOM_SCRIPT, _WORLD, self._on_dom)

    def abort(self, reason: str = "cancelled") -> None:
        if self._full is not None:
            self._full.abort(reason)
        if not self._finished:
            self.out.errors.append(reason)
            self._finish()

    def _on_dom(self, html: Any) -> None:
        if self._finished:
            return
        self.out.dom_html = html if isinstance(html, str) else None
        layout = QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                             QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter)
        self.page.printToPdf(self._on_pdf, layout)

    def _on_pdf(self, data: QByteArray) -> None:
        if self._finished:
            return
        self.out.pdf = bytes(data.data()) or None
        self.request.tmp_dir.mkdir(parents=True, exist_ok=True)
        self._mhtml_path = self.request.tmp_dir / f"snapshot-{os.getpid()}-{os.urandom(6).hex()}.mhtml"
        self.page.profile().downloadRequested.connect(self._on_download)
        self.page.save(str(self._mhtml_path), QWebEngineDownloadRequest.SavePageFormat.MimeHtmlSaveFormat)

    def _on_download(self, download: QWebEngineDownloadRequest) -> None:
        if not download.isSavePageDownload() or download.page() is not self.page:
            return
        with contextlib.suppress(RuntimeError, TypeError):
            self.page.profile().downloadRequested.disconnect(self._on_download)
        self._download = download
        download.isFinishedChanged.connect(self._on_download_finished)
        if download.isFinished():
            self._on_download_finished()

    def _on_download_finished(self) -> None:
        download = self._download
        if download is None or not download.isFinished() or self._finished:
            return
        path = self._mhtml_path
        try:
            if (path is not None and path.is_file()
                    and download.state() == QWebEngineDownloadRequest.DownloadState.DownloadCompleted):
                self.out.mhtml = path.read_bytes()
            else:
                self.out.errors.append("MHTML could not be saved")
        finally:
            if path is not None:
                with contextlib.suppress(OSError):
                    path.unlink()
        self._render_full_page()

    def _render_full_page(self) -> None:
        dom = (self.out.dom_html or "").encode("utf-8")
        req = RenderRequest(url=self.out.final_url or self.request.url, body=dom,
                            content_type="text/html; charset=utf-8", charset="utf-8",
                            options=self.request.options, tmp_dir=self.request.tmp_dir)
        self._full = PageRenderer(req, self, profile=self.page.profile(), profile_label=self.profile_label,
                                  javascript=False)
        self._full.done.connect(self._on_full)
        self._full.start()

    def _on_full(self, full: RenderOutput) -> None:
        full_renderer, self._full = self._full, None
        out = self.out
        out.screenshot_png = full.screenshot_png
        out.page_width, out.page_height = full.page_width, full.page_height
        out.captured_height, out.height_capped = full.captured_height, full.height_capped
        out.timed_out = full.timed_out
        out.viewport = full.viewport
        out.errors += full.errors
        out.extra["full_page_from"] = "DOM snapshot, JavaScript off"
        if full_renderer is not None:
            full_renderer.dispose()
        self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self._mhtml_path is not None:
            with contextlib.suppress(OSError):
                self._mhtml_path.unlink()
        self.out.elapsed_ms = int((time.monotonic() - self._started) * 1000)
        if self._viewport_png:
            self.out.extra_files.append(("screenshot_viewport", "viewport.png", "image/png", self._viewport_png))
        self.done.emit(self.out)

    def dispose(self) -> None:
        self.deleteLater()


def _view_of(page: QWebEnginePage) -> QWidget | None:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    with contextlib.suppress(Exception):
        view = QWebEngineView.forPage(page)
        if view is not None and view.isVisible():
            return view
    return None
