"""Headless page rendering with QtWebEngine (offscreen).

PageRenderer renders one page in a hidden QWebEngineView and produces a RenderOutput:
a full-page PNG of the whole scroll height (capped at CaptureOptions.max_screenshot_height,
at most core.capture.web.SCREENSHOT_HEIGHT_LIMIT; the real height and the cap are recorded),
a PDF (printToPdf), MHTML (page.save), the DOM after scripts ran (toHtml), title and final URL.

It renders what was fetched (setContent with the fetched bytes and the page's URL as base,
so relative links resolve and scripts run in the page's origin); pages over Chromium's 2 MB
data-URL limit are loaded live instead, which is recorded. A page whose loading never
finishes is captured as it is when the time limit runs out, marked `timed_out`.

Must run on the thread that owns the QApplication (the GUI thread).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QMarginsF, QObject, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInterceptor,
    qWebEngineChromiumVersion,
    qWebEngineVersion,
)
from PySide6.QtWidgets import QApplication

from ..core.capture.errors import RenderError
from ..core.capture.html import web_label
from ..core.capture.web import RenderOutput, RenderRequest
from ..core.paths import data_dir

# Chromium talks to Google on its own (component updates, safe browsing, field trials,
# domain reliability, …). Evidence capture must not: nothing leaves the machine except the
# requests the page itself makes.
PRIVACY_FLAGS = (
    "--disable-background-networking", "--disable-component-update", "--disable-domain-reliability",
    "--disable-sync", "--no-pings", "--disable-client-side-phishing-detection", "--disable-breakpad",
    "--disable-features=MediaRouter,OptimizationHints,Translate,InterestFeedContentSuggestions,"
    "CertificateTransparencyComponentUpdater,AutofillServerCommunication",
    "--metrics-recording-only", "--no-default-browser-check", "--no-first-run",
)
#: Chromium refuses setContent/setHtml beyond 2 MB (it becomes a data: URL).
INLINE_LIMIT = 2 * 1024 * 1024 - 4096
# Tall pages are drawn in slices: one huge backing surface fails on some GPUs and costs memory.
SLICE_HEIGHT = 8000
_SETTLE_MS = 150
_WATCHDOG_EXTRA_S = 20
_WORLD = 1  # QWebEngineScript.ScriptWorldId.ApplicationWorld
DOM_SCRIPT = ("(document.doctype ? new XMLSerializer().serializeToString(document.doctype) + '\\n' : '')"
              " + document.documentElement.outerHTML")


_engine_proxy: str | None = None  # the proxy Chromium was started with; None = not started by us


def prepare_environment(proxy: str | None = None) -> None:
    """Set Chromium flags before QtWebEngine starts (call before creating the QApplication).

    `proxy` (default: Settings.proxy) is given to Chromium so the page's own requests go
    through it like the HTTP fetch does; Chromium reads it only at start-up, so a capture
    asking for another proxy later is not rendered (rather than leak the real address).
    --no-sandbox is added only when running as root: Chromium's sandbox refuses to start as
    root, and a root process is not confined by it anyway (CI containers, some kiosks).
    """
    global _engine_proxy
    if proxy is None:
        from ..core.settings import Settings

        proxy = Settings.load().proxy
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    flags = [f for f in flags if not f.startswith("--proxy-server=")]
    server = _chromium_proxy(proxy)
    if server:
        flags.append(f"--proxy-server={server}")
    _engine_proxy = server
    for f in PRIVACY_FLAGS:
        name = f.split("=", 1)[0]
        if not any(x.split("=", 1)[0] == name for x in flags):
            flags.append(f)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in flags:
        flags.append("--no-sandbox")
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1" if "--no-sandbox" in flags else "0")


def _chromium_proxy(proxy: str) -> str:
    """scheme://host:port without credentials (Chromium asks for those separately)."""
    from urllib.parse import urlsplit

    if not proxy:
        return ""
    try:
        parts = urlsplit(proxy)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    scheme = {"socks5h": "socks5", "https": "https", "socks4": "socks4", "socks5": "socks5"}.get(parts.scheme,
                                                                                              "http")
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def proxy_mismatch(proxy: str) -> str:
    """Why the engine may not render with `proxy` (empty when it may)."""
    wanted = _chromium_proxy(proxy)
    if not wanted:
        return ""
    if _engine_proxy == wanted:
        return ""
    return ("The page was not rendered: the browser engine was started without the configured proxy, and "
            "rendering would reveal this workstation's address. Restart the application after changing the "
            "proxy. / 브라우저 엔진이 설정된 프록시 없이 시작되어 렌더링하지 않았습니다. 프로그램을 다시 시작하세요.")


def ensure_app() -> tuple[QApplication, bool]:
    """The running QApplication, or a new one (offscreen when there is no display).
    Returns (app, created)."""
    app = QApplication.instance()
    if app is not None:
        return app, False  # type: ignore[return-value]
    prepare_environment()
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    import PySide6.QtWebEngineWidgets  # noqa: F401 - must be loaded before the QApplication exists

    return QApplication(sys.argv[:1]), True


# Importing this module before the application exists is enough to start Chromium right
# (no background traffic, the configured proxy). Once a QApplication exists, QtWebEngine may
# already be running with other flags: then only an explicit prepare_environment() call, made
# by whoever created the application, counts.
if QApplication.instance() is None:
    prepare_environment()


def engine_name() -> str:
    versions: list[Any] = [qWebEngineVersion(), qWebEngineChromiumVersion()]
    qt, chromium = (v.decode("ascii", "replace") if isinstance(v, bytes) else str(v) for v in versions)
    return f"QtWebEngine {qt} (Chromium {chromium})"


def make_profile(persona: str, parent: QObject | None = None) -> tuple[QWebEngineProfile, str]:
    """An off-the-record profile (nothing persisted), or the named persona's persistent one
    under the data folder. Returns (profile, label recorded in the acquisition record)."""
    if not persona:
        profile = QWebEngineProfile(parent)
        profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
        return profile, "off-the-record"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in persona)[:64] or "persona"
    root = data_dir() / "personas" / safe
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    profile = QWebEngineProfile(f"ek-persona-{safe}", parent)
    profile.setPersistentStoragePath(str(root / "storage"))
    profile.setCachePath(str(root / "cache"))
    return profile, f"persona:{persona}"


class RequestLog(QWebEngineUrlRequestInterceptor):
    """Which URLs the browser itself asked for while rendering (scripts, styles, images, and
    any third party the page contacts): recorded with the capture, capped."""

    LIMIT = 1000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[dict[str, str]] = []
        self.dropped = 0

    def interceptRequest(self, info: Any) -> None:  # called on Chromium's IO thread
        if len(self.entries) >= self.LIMIT:
            self.dropped += 1
            return
        url = info.requestUrl().toString()
        if url.startswith("data:"):
            url = url[:40] + "…"  # the fetched page itself (setContent), or inline data
        self.entries.append({"method": bytes(info.requestMethod().data()).decode("ascii", "replace"),
                             "url": url[:2000],
                             "type": str(getattr(info.resourceType(), "name", info.resourceType()))})


class CapturePage(QWebEnginePage):
    """A page that never blocks on a dialog (alert/confirm/prompt would wait for a click that
    never comes offscreen), never opens a file chooser, and keeps console messages out of the
    logs (they can quote evidence). Dialog texts are kept for the record."""

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.dialogs: list[str] = []

    def _note(self, kind: str, msg: str) -> None:
        if len(self.dialogs) < 20:
            self.dialogs.append(f"{kind}: {msg[:200]}")

    def javaScriptAlert(self, securityOrigin: Any, msg: str) -> None:
        self._note("alert", msg)

    def javaScriptConfirm(self, securityOrigin: Any, msg: str) -> bool:
        self._note("confirm", msg)
        return False

    def javaScriptPrompt(self, securityOrigin: Any, msg: str, defaultValue: str) -> Any:
        self._note("prompt", msg)
        return False, ""

    def javaScriptConsoleMessage(self, level: Any, message: str, lineNumber: int,
                                 sourceID: str) -> None:
        pass

    def chooseFiles(self, mode: Any, oldFiles: Any, acceptedMimeTypes: Any) -> list[str]:
        return []


class PageRenderer(QObject):
    """Render one RenderRequest; emits done(RenderOutput) exactly once. Call start()."""

    done = Signal(object)

    def __init__(self, request: RenderRequest, parent: QObject | None = None, *,
                 profile: QWebEngineProfile | None = None, profile_label: str = "",
                 javascript: bool = True) -> None:
        """`profile`: render in an existing profile (e.g. the evidence browser's), which this
        renderer then does not own; `javascript=False` draws a DOM snapshot as it is."""
        super().__init__(parent)
        from PySide6.QtWebEngineWidgets import QWebEngineView

        self.request = request
        opts = request.options
        self.out = RenderOutput(engine=engine_name(), viewport=(opts.viewport_width, opts.viewport_height))
        self._owns_profile = profile is None
        if profile is None:
            # no Qt parent: a profile must outlive its pages, so dispose() deletes it after the page
            self.profile, self.out.profile = make_profile(opts.persona, None)
        else:
            self.profile, self.out.profile = profile, profile_label or "browser profile"
        self.request_log: RequestLog | None = None
        if self._owns_profile:
            self.request_log = RequestLog(self)
            self.profile.setUrlRequestInterceptor(self.request_log)
            # the browser sends what the HTTP fetch sent (and what is recorded)
            self.profile.setHttpUserAgent(opts.user_agent)
            self.profile.setHttpAcceptLanguage("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7")
        self.out.extra["user_agent"] = self.profile.httpUserAgent()
        self.page = CapturePage(self.profile, None)
        self.page.certificateError.connect(self._on_certificate_error)
        self.page.proxyAuthenticationRequired.connect(self._on_proxy_auth)
        self.view = QWebEngineView()
        self.view.setPage(self.page)
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.view.resize(QSize(opts.viewport_width, opts.viewport_height))
        s = self.page.settings()
        s.setAttribute(QWebEngineSettings.WebAttribute.ScrollAnimatorEnabled, False)
        s.setAttribute(QWebEngineSettings.WebAttribute.PlaybackRequiresUserGesture, True)
        s.setAttribute(QWebEngineSettings.WebAttribute.ShowScrollBars, False)
        if not javascript:
            s.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, False)
        self._started = 0.0
        self._finished = False
        self._loaded = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_timeout)
        self._watchdog = QTimer(self, singleShot=True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self.page.loadFinished.connect(self._on_load_finished)

    def _on_certificate_error(self, error: Any) -> None:
        what = f"{error.url().host()}: {error.description()}"
        if self.request.options.allow_invalid_tls:
            error.acceptCertificate()
            self.out.errors.append(f"invalid certificate accepted (allowed): {what}"[:300])
        else:
            error.rejectCertificate()
            self.out.errors.append(f"resource refused, invalid certificate: {what}"[:300])

    def _on_proxy_auth(self, url: Any, authenticator: Any, proxy_host: str) -> None:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(self.request.options.proxy)
        if parts.username:
            authenticator.setUser(unquote(parts.username))
            authenticator.setPassword(unquote(parts.password or ""))

    # -- steps ----------------------------------------------------------------------------
    def start(self) -> None:
        req = self.request
        problem = proxy_mismatch(req.options.proxy)
        if problem:
            raise RenderError(problem)
        self._started = time.monotonic()
        self.view.show()
        self._timer.start(max(1, req.options.render_timeout_s) * 1000)
        self._watchdog.start((max(1, req.options.render_timeout_s) + _WATCHDOG_EXTRA_S) * 1000)
        base = QUrl(req.url)
        if req.body and len(req.body) <= INLINE_LIMIT:
            self.out.source = "fetched"
            mime = f"text/html;charset={web_label(req.charset)}" if req.charset else "text/html"
            self.page.setContent(QByteArray(req.body), mime, base)
        else:
            self.out.source = "live"
            self.out.errors.append("page larger than 2 MB: rendered from a fresh load of the URL")
            self.page.load(base)

    def abort(self, reason: str = "cancelled") -> None:
        """Stop now and report what there is (the caller is cancelling)."""
        if not self._finished:
            self.out.errors.append(reason)
            self.page.triggerAction(QWebEnginePage.WebAction.Stop)
            self._finish()

    def _on_load_finished(self, ok: bool) -> None:
        if self._loaded or self._finished:
            return
        self._loaded = True
        self._timer.stop()
        if not ok:
            self.out.errors.append("the page reported a load error (some resources may be missing)")
        QTimer.singleShot(_SETTLE_MS, self._measure)

    def _on_timeout(self) -> None:
        if self._loaded or self._finished:
            return
        self._loaded = True
        self.out.timed_out = True
        self.out.errors.append(f"loading did not finish within {self.request.options.render_timeout_s} s; "
                               "captured as it was then")
        # No Stop: stopping a load that is still pending can discard the document itself;
        # what is drawn so far is what the investigator would have seen.
        QTimer.singleShot(_SETTLE_MS, self._measure)

    def _on_watchdog(self) -> None:
        if not self._finished:
            self.out.errors.append("the page stopped responding (scripts never yielded); capture incomplete")
            self.out.timed_out = True
            self._finish()

    def _measure(self) -> None:
        if self._finished:
            return
        js = ("(function(){var d=document.documentElement,b=document.body;"
              "return JSON.stringify([Math.max(d?d.scrollWidth:0,b?b.scrollWidth:0),"
              "Math.max(d?d.scrollHeight:0,b?b.scrollHeight:0,d?d.offsetHeight:0,b?b.offsetHeight:0)]);})()")
        self._js(js, self._on_measured)

    def _mark(self, phase: str) -> None:
        self.out.extra.setdefault("phase_ms", {})[phase] = int((time.monotonic() - self._started) * 1000)

    def _on_measured(self, result: Any) -> None:
        if self._finished:
            return
        self._mark("loaded")
        opts = self.request.options
        width, height = opts.viewport_width, opts.viewport_height
        try:
            measured = json.loads(result)
            width = max(opts.viewport_width, int(measured[0]))
            height = max(1, int(measured[1]))
        except (TypeError, ValueError, IndexError):
            self.out.errors.append("the page's size could not be measured (scripts blocked?); "
                                   "the screenshot shows the first screen only")
        self.out.page_width, self.out.page_height = width, height
        cap = opts.screenshot_cap
        self.out.height_capped = height > cap
        self.out.captured_height = min(height, cap)
        self._slices: list[QImage] = []
        self._slice_y = 0
        self._shoot_next_slice()

    def _shoot_next_slice(self) -> None:
        """Resize the view to one slice of the page and scroll to it, then grab a frame."""
        if self._finished:
            return
        total = self.out.captured_height
        if self._slice_y >= total:
            self._stitch()
            return
        h = min(SLICE_HEIGHT, total - self._slice_y)
        width = self.request.options.viewport_width
        self.view.resize(QSize(width, h))
        self._polls = 0
        self._grabs = 0
        self._candidate: QImage | None = None
        self._js(f"window.scrollTo(0,{self._slice_y});", lambda _r: self._wait_frame(h))

    def _js(self, script: str, callback: Any) -> None:
        # An isolated world: our helpers are invisible to the page's own scripts.
        self.page.runJavaScript(script, _WORLD, callback)

    def _wait_frame(self, h: int) -> None:
        """A resize and a scroll reach the widget a few frames later. Wait until the page sees
        the new viewport and has painted two animation frames since, grab, and repeat until two
        grabs in a row are identical (an animated page is taken after a few tries, noted)."""
        if self._finished:
            return
        y = self._slice_y
        script = (f"(function(){{if(window.innerHeight!=={h}||Math.abs(window.scrollY-{y})>1){{"
                  f"window.scrollTo(0,{y});return 'wait';}}"
                  "if(window.__ekFrame===undefined){window.__ekFrame=0;"
                  "requestAnimationFrame(function(){requestAnimationFrame(function(){window.__ekFrame=1;});});}"
                  "if(window.__ekFrame===1){delete window.__ekFrame;return 'ready';}return 'wait';})()")

        def check(result: Any) -> None:
            if self._finished:
                return
            self._polls += 1
            if result != "ready" and self._polls <= 200:
                QTimer.singleShot(15, lambda: self._wait_frame(h))
                return
            image = self.view.grab().toImage()
            previous = self._candidate
            self._candidate = image
            self._grabs += 1
            stable = previous is not None and previous == image
            if stable or self._grabs >= 8 or self._polls > 200:
                if not stable:
                    self.out.extra["unstable_slices"] = self.out.extra.get("unstable_slices", 0) + 1
                self._candidate = None
                self._grabs = 0
                self._take_slice(image, h)
            else:
                self._wait_frame(h)

        self._js(script, check)

    def _take_slice(self, image: QImage, h: int) -> None:
        # on a high-DPI screen the grab has devicePixelRatio × more pixels than CSS pixels
        rows = min(round(h * image.devicePixelRatio()), image.height())
        piece = image.copy(0, 0, image.width(), rows)
        piece.setDevicePixelRatio(1.0)  # stitched by pixels, not by logical size
        self._slices.append(piece)
        self._slice_y += h
        self._shoot_next_slice()

    def _stitch(self) -> None:
        if not self._slices:
            self._after_screenshot()
            return
        width = max(i.width() for i in self._slices)
        height = sum(i.height() for i in self._slices)
        out = QImage(width, height, QImage.Format.Format_RGB32)
        out.fill(Qt.GlobalColor.white)
        painter = QPainter(out)
        y = 0
        for img in self._slices:
            painter.drawImage(0, y, img)
            y += img.height()
        painter.end()
        self._slices = []
        self._mark("grabbed")
        # a high-DPI screen grabs more device pixels than CSS pixels; record both
        self.out.extra["screenshot_pixels"] = [out.width(), out.height()]
        if self.request.on_screenshot is not None:
            # hand the pixels to the core, which encodes the PNG and its banner copy on worker
            # threads while the DOM, PDF and MHTML are made here
            rgb = out.convertToFormat(QImage.Format.Format_RGB888)
            self.request.on_screenshot(rgb.width(), rgb.height(), _packed_rows(rgb))
        else:
            # PNG encoding of a page-sized image takes a while: a worker thread (QImage is
            # reentrant and this copy is ours alone) while the DOM, PDF and MHTML are made here
            self._encoder = threading.Thread(target=self._encode_png, args=(out,), name="png-encoder", daemon=True)
            self._encoder.start()
        self._after_screenshot()

    def _encode_png(self, image: QImage) -> None:
        self._encoded = _png_bytes(image)

    def _after_screenshot(self) -> None:
        opts = self.request.options
        self.view.resize(QSize(opts.viewport_width, opts.viewport_height))
        self._js("window.scrollTo(0,0);", lambda _r: self._dom())

    def _dom(self) -> None:
        self._mark("dom_start")
        # outerHTML rather than toHtml(): toHtml returns an empty document while a load is
        # still pending (a page that timed out), the DOM is there all the same.
        self._js(DOM_SCRIPT, self._on_dom)

    def _on_dom(self, html: Any) -> None:
        if self._finished:
            return
        self.out.dom_html = html if isinstance(html, str) else None
        if self.out.dom_html is None:
            self.out.errors.append("the DOM could not be read")
        self.out.title = self.page.title()
        self.out.final_url = self.page.url().toString()
        layout = QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                             QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter)
        self.page.printToPdf(self._on_pdf, layout)

    def _on_pdf(self, data: QByteArray) -> None:
        if self._finished:
            return
        self._mark("pdf")
        pdf = bytes(data.data())
        if pdf:
            self.out.pdf = pdf
        else:
            self.out.errors.append("PDF could not be printed")
        self._save_mhtml()

    def _save_mhtml(self) -> None:
        # page.save() can only write to a file: a private file in the case's tmp/ folder,
        # read back and removed at once.
        self._mhtml_path = self.request.tmp_dir / f"render-{os.getpid()}-{os.urandom(6).hex()}.mhtml"
        self.request.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.profile.downloadRequested.connect(self._on_download)
        self.page.save(str(self._mhtml_path), QWebEngineDownloadRequest.SavePageFormat.MimeHtmlSaveFormat)

    def _on_download(self, download: QWebEngineDownloadRequest) -> None:
        # a shared profile (the evidence browser's) sees other downloads too: take only ours
        if not download.isSavePageDownload() or download.page() is not self.page:
            return
        with contextlib.suppress(RuntimeError, TypeError):
            self.profile.downloadRequested.disconnect(self._on_download)
        self._download = download
        download.isFinishedChanged.connect(self._on_download_finished)
        if download.isFinished():
            self._on_download_finished()

    def _on_download_finished(self) -> None:
        download = self._download
        if not download.isFinished() or self._finished:
            return
        path: Path = self._mhtml_path
        try:
            if download.state() == QWebEngineDownloadRequest.DownloadState.DownloadCompleted and path.is_file():
                self.out.mhtml = path.read_bytes()
            else:
                self.out.errors.append(f"MHTML could not be saved ({download.interruptReasonString()})")
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
        self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._timer.stop()
        self._watchdog.stop()
        mhtml_path = getattr(self, "_mhtml_path", None)
        if mhtml_path is not None:
            with contextlib.suppress(OSError):
                Path(mhtml_path).unlink()
        encoder = getattr(self, "_encoder", None)
        if encoder is not None:
            encoder.join()
            self.out.screenshot_png = getattr(self, "_encoded", None)
        self.out.elapsed_ms = int((time.monotonic() - self._started) * 1000)
        if self.page.dialogs:
            self.out.extra["dialogs"] = list(self.page.dialogs)
        if self.request_log is not None:
            self.out.extra["browser_requests"] = list(self.request_log.entries)
            if self.request_log.dropped:
                self.out.extra["browser_requests_not_listed"] = self.request_log.dropped
        if not self.out.final_url:
            with contextlib.suppress(RuntimeError):
                self.out.final_url = self.page.url().toString()
                self.out.title = self.out.title or self.page.title()
        self.done.emit(self.out)

    def dispose(self) -> None:
        """Free the view, page and profile (in that order: a profile must outlive its pages)."""
        with contextlib.suppress(RuntimeError):
            self.view.hide()
            self.view.deleteLater()
            if self._owns_profile:
                profile = self.profile

                def drop_profile(*_: object) -> None:
                    with contextlib.suppress(RuntimeError):
                        profile.deleteLater()

                self.page.destroyed.connect(drop_profile)
            self.page.deleteLater()


def _packed_rows(image: QImage) -> bytes:
    """The pixel rows without the padding Qt may add at the end of each."""
    stride, row = image.bytesPerLine(), image.width() * 3
    data = bytes(image.constBits())
    if stride == row:
        return data[:row * image.height()]
    return b"".join(data[y * stride:y * stride + row] for y in range(image.height()))


def _png_bytes(image: QImage) -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice

    buf = QByteArray()
    device = QBuffer(buf)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    # quality 80 ≈ zlib level 2: lossless all the same, and several times faster to write
    # than Qt's default for a page-sized image
    image.save(device, "PNG", 80)  # type: ignore[call-overload]
    device.close()
    return bytes(buf.data())
