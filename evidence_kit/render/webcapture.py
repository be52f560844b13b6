"""Capture a URL (or the page shown in a browser view) as one evidence item — for GUI and CLI.

GUI (Capture URL dialog)::

    job = WebCaptureJob(case, url, CaptureOptions.from_settings(note=..., tags=[...]), parent=self)
    job.progress.connect(on_progress)      # (done: int, total: int, message: str)
    job.warning.connect(on_warning)        # str: e.g. a timestamp authority failed; item still saved
    job.finished.connect(on_finished)      # dict: item.to_json() — has "exhibit", "artifacts", …
    job.failed.connect(on_failed)          # str: one line, English / Korean; no item was created
    job.cancelled.connect(on_cancelled)    # no item was created
    job.start()
    ...
    job.cancel()                           # from the Cancel button; ends in cancelled (or failed)

Exactly one of finished / failed / cancelled is emitted, on the GUI thread. The HTTP part
runs in a worker thread with its own case.clone(); rendering runs on the GUI thread (it must);
the item is committed in the worker, and `job.item` is then read with `case` (the caller's).

Evidence browser ("Capture page" / record mode)::

    job = capture_from_page(case, view.page(), options, parent=self)   # same signals; call start()

renders from that page as the investigator sees it — DOM after scripts, PDF, MHTML and a
screenshot of the visible viewport straight from the live page, plus a full-page PNG drawn
from the DOM snapshot (JavaScript off, same profile, so nothing re-runs) — and refetches its
URL over HTTP for the WARC, headers, server IP and TLS certificate. The refetch does not carry
the browser's cookies: for a logged-in page the WARC shows what an anonymous visitor gets,
while the rendered artifacts show what the investigator saw (both recorded). The browser's
profile (off-the-record or persona) is recorded in the acquisition record. If the profile has
its own downloadRequested handler, ignore requests with isSavePageDownload() (that is ours).

Factories in the shape the GUI's dialogs use: make_gui_job(case, url, notes, tags, parent) and
make_page_job(case, view, browser_profile, tasks, recorded=, parent=) (both return an unstarted job).

CLI: capture_url(case, url, ...) blocks, spinning an event loop (creating an offscreen
QApplication when none exists) and returns the Item or raises the typed error.

Call prepare_environment() (evidence_kit.render.engine) before creating the application's
QApplication so Chromium starts without background network traffic (and without its sandbox
when running as root).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWebEngineCore import QWebEnginePage

from ..core.capture.errors import RenderError
from ..core.capture.web import CaptureOptions, RenderOutput, RenderRequest, capture_web
from ..core.case import Case, Item
from ..core.errors import CancelledError, EvidenceKitError
from ..core.progress import CancelToken, ProgressCallback
from ..core.roles import Permission
from .engine import PageRenderer, ensure_app
from .snapshot import PageSnapshot

__all__ = ["WebCaptureJob", "capture_from_page", "capture_url", "make_gui_job", "make_page_job"]


class _Bridge(QObject):
    """Lives on the GUI thread; the worker emits these, Qt queues them across threads."""

    progress = Signal(int, int, str)
    render_requested = Signal(object)
    succeeded = Signal(int, list)
    errored = Signal(object)


class WebCaptureJob(QObject):
    progress = Signal(int, int, str)
    warning = Signal(str)
    finished = Signal(dict)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, case: Case, url: str, options: CaptureOptions | None = None, *,
                 page: QWebEnginePage | None = None, note: str | None = None, tags: Iterable[str] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        case.require(Permission.CAPTURE)
        self.case = case
        self.url = url
        self.options = options if options is not None else CaptureOptions.from_settings()
        if note is not None:
            self.options.note = note
        if tags is not None:
            self.options.tags = list(tags)
        self.page = page
        self.item: Item | None = None
        self.error: BaseException | None = None
        self.warnings: list[str] = []
        self._cancel = CancelToken()
        self._bridge = _Bridge()
        self._bridge.progress.connect(self.progress)
        self._bridge.render_requested.connect(self._start_render)
        self._bridge.succeeded.connect(self._on_succeeded)
        self._bridge.errored.connect(self._on_errored)
        self._render_results: queue.Queue[RenderOutput | BaseException] = queue.Queue()
        self._renderer: PageRenderer | PageSnapshot | None = None
        self._thread: threading.Thread | None = None
        self._done = False

    # -- public -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a capture job runs once")
        self._thread = threading.Thread(target=self._run, name="web-capture", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the capture to stop; it ends with `cancelled` and leaves no item."""
        self._cancel.cancel()
        if self._renderer is not None:
            self._renderer.abort("cancelled")

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done

    def wait(self, timeout_s: float | None = None) -> bool:
        """Join the worker (after finished/failed, or when closing the app after cancel())."""
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    # -- worker thread ----------------------------------------------------------------------
    def _run(self) -> None:
        clone: Case | None = None
        try:
            clone = self.case.clone()
            renderer = self._render_on_gui_thread if self.options.render else None
            outcome = capture_web(clone, self.url, self.options, renderer=renderer,
                                  progress=self._bridge.progress.emit, cancel=self._cancel)
            self._bridge.succeeded.emit(outcome.item.id, outcome.warnings)
        except BaseException as exc:  # every failure reaches the GUI as a message
            if not isinstance(exc, EvidenceKitError):
                traceback.print_exc()
            self._bridge.errored.emit(exc)
        finally:
            if clone is not None:
                clone.close()

    def _render_on_gui_thread(self, request: RenderRequest) -> RenderOutput:
        self._bridge.render_requested.emit(request)
        while True:
            try:
                result = self._render_results.get(timeout=0.1)
            except queue.Empty:
                self._cancel.raise_if_cancelled()
                continue
            if isinstance(result, BaseException):
                raise result
            return result

    # -- GUI thread -------------------------------------------------------------------------
    def _start_render(self, request: RenderRequest) -> None:
        try:
            if self._cancel.cancelled:
                raise CancelledError()
            if self.page is not None:
                self._renderer = PageSnapshot(self.page, request, self)
            else:
                self._renderer = PageRenderer(request, self)
            self._renderer.done.connect(self._on_rendered)
            self._renderer.start()
        except BaseException as exc:
            if self._renderer is not None:
                self._renderer.dispose()
                self._renderer = None
            self._render_results.put(exc if isinstance(exc, EvidenceKitError)
                                     else RenderError(f"The page could not be rendered ({exc}). / "
                                                      "페이지를 렌더링할 수 없습니다."))

    def _on_rendered(self, output: RenderOutput) -> None:
        renderer, self._renderer = self._renderer, None
        if renderer is not None:
            renderer.dispose()
        self._render_results.put(output)

    def _on_succeeded(self, item_id: int, warnings: list[str]) -> None:
        self._done = True
        self.warnings = list(warnings)
        for w in warnings:
            self.warning.emit(w)
        try:
            self.item = self.case.item(item_id)
        except EvidenceKitError as exc:  # pragma: no cover - the commit just happened
            self.error = exc
            self.failed.emit(exc.message)
            return
        self.finished.emit(self.item.to_json())

    def _on_errored(self, exc: BaseException) -> None:
        self._done = True
        self.error = exc
        if isinstance(exc, CancelledError) or self._cancel.cancelled:
            self.cancelled.emit()
            return
        if isinstance(exc, EvidenceKitError):
            self.failed.emit(exc.message)
        else:
            self.failed.emit(f"The capture failed unexpectedly ({type(exc).__name__}: {exc}); nothing was saved. / "
                             "예기치 않은 오류로 수집에 실패했습니다. 저장된 것이 없습니다.")


def capture_from_page(case: Case, page: QWebEnginePage, options: CaptureOptions | None = None, *,
                      parent: QObject | None = None) -> WebCaptureJob:
    """A job capturing the page currently shown in a browser view (see the module docstring)."""
    return WebCaptureJob(case, page.url().toString(), options, page=page, parent=parent)


# -- factories in the shape the GUI's dialogs look for -----------------------------------------
def make_gui_job(case: Case, url: str, notes: str, tags: list[str], parent: QObject | None = None) -> WebCaptureJob:
    """Capture URL dialog: a job with the workstation settings, the notes and the tags (call start())."""
    return WebCaptureJob(case, url, CaptureOptions.from_settings(note=notes, tags=list(tags)), parent=parent)


def make_page_job(case: Case, view: Any, browser_profile: dict[str, Any] | None = None, tasks: Any = None, *,
                  recorded: bool = False, parent: QObject | None = None) -> WebCaptureJob:
    """Evidence browser: capture what `view` (a QWebEngineView) shows. `browser_profile` (how the
    browser's profile is described) and record mode go into the acquisition record. `tasks` is
    accepted for the caller's convenience; the job runs its own worker."""
    extra: dict[str, Any] = {"record_mode": 1 if recorded else 0,
                             "method_detail": "in-app evidence browser: rendered from the page as shown"}
    if browser_profile:
        extra["browser_profile_settings"] = dict(browser_profile)
    options = CaptureOptions.from_settings(acquisition_extra=extra)
    return capture_from_page(case, view.page(), options, parent=parent)


def capture_url(case: Case, url: str, *, note: str = "", tags: Iterable[str] = (),
                options: CaptureOptions | None = None, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None, on_warning: Callable[[str], None] | None = None) -> Item:
    """Capture `url` and return the committed Item; raise the typed error otherwise.

    Blocks. Without rendering (options.render False) no Qt is involved; with it, an event
    loop runs (an offscreen QApplication is created if none exists).
    """
    opts = options if options is not None else CaptureOptions.from_settings()
    if note:
        opts.note = note
    tags = list(tags)
    if tags:
        opts.tags = tags
    if not opts.render:
        outcome = capture_web(case, url, opts, progress=progress, cancel=cancel)
        for w in outcome.warnings:
            if on_warning:
                on_warning(w)
        return outcome.item
    ensure_app()
    job = WebCaptureJob(case, url, opts)
    loop = QEventLoop()
    if progress is not None:
        job.progress.connect(progress)
    if on_warning is not None:
        job.warning.connect(on_warning)
    job.finished.connect(lambda _d: loop.quit())
    job.failed.connect(lambda _m: loop.quit())
    job.cancelled.connect(loop.quit)
    poll: QTimer | None = None
    if cancel is not None:
        poll = QTimer()
        poll.setInterval(100)
        poll.timeout.connect(lambda: job.cancel() if cancel.cancelled else None)
        poll.start()
    job.start()
    if not job._done:
        loop.exec()
    if poll is not None:
        poll.stop()
    job.wait(30)
    with contextlib.suppress(RuntimeError):
        job.deleteLater()
    # let the view, then the page, then its profile go now (each deletion queues the next)
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if job.item is not None:
        return job.item
    if isinstance(job.error, BaseException):
        raise job.error
    raise CancelledError()
