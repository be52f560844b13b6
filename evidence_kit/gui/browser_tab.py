"""The evidence browser: browse as an investigator does, then "Capture page" (or "Record every
page") to make a web-capture item of what is on screen.

Profiles: off the record by default (nothing kept on disk: no cookies, cache or history), or a
named persistent "persona" profile under paths.data_dir()/personas/<name> for investigators who
must stay logged in to an undercover account. The profile used is recorded in every capture's
acquisition record.

The capture itself is done by evidence_kit.render.webcapture when that module offers a page
capture; otherwise by PageCapture below (visible viewport PNG, full DOM, PDF, in memory only).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import ledger
from ..core.case import Case, Item
from ..core.paths import data_dir
from ..core.settings import Settings
from . import i18n
from .capture_dialog import normalise_url
from .i18n import tr
from .screen_capture import png_bytes
from .workers import Task, TaskRegistry

OFF_THE_RECORD = ""
_PERSONA_NAME = re.compile(r"^[\w][\w .-]{0,47}$")


def persona_dir(name: str) -> Any:
    return data_dir() / "personas" / name


def known_personas() -> list[str]:
    root = data_dir() / "personas"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def make_profile(persona: str, parent: QObject) -> Any:
    """An off-the-record profile, or the persistent one of `persona`."""
    if not persona:
        return QWebEngineProfile(parent)  # no storage name = off the record
    path = persona_dir(persona)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    profile = QWebEngineProfile(f"ek-persona-{persona}", parent)
    profile.setPersistentStoragePath(str(path / "storage"))
    profile.setCachePath(str(path / "cache"))
    return profile


def profile_record(profile: Any, persona: str) -> dict[str, Any]:
    """What goes into each capture's acquisition record."""
    if not persona:
        return {"mode": "off_the_record", "persistent": 0, "user_agent": profile.httpUserAgent()}
    return {"mode": "persona", "persistent": 1, "name": persona, "storage": str(persona_dir(persona)),
            "user_agent": profile.httpUserAgent()}


class PageCapture(QObject):
    """Capture what the view shows: viewport screenshot (PNG), the DOM after scripts ran, a PDF
    print of the page. Everything stays in memory until the item is committed (on a worker).
    Signals as the web capture job: progress, finished(item), failed(str), cancelled()."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, case: Case, view: Any, browser_profile: dict[str, Any], tasks: TaskRegistry, *,
                 recorded: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.view = view
        self.page = view.page()
        self.tasks = tasks
        self.browser_profile = browser_profile
        self.recorded = recorded
        self._cancelled = False
        self.url = self.page.url().toString()
        self.title = self.page.title()
        self.started = ledger.utc_now_ms()
        self.screenshot = b""
        self.dom = ""

    def cancel(self) -> None:
        self._cancelled = True

    def start(self) -> None:
        self.progress.emit(0, 3, "screenshot")
        image = self.view.grab().toImage()
        self.viewport = [image.width(), image.height()]
        self.dpr = repr(float(image.devicePixelRatio()))
        self.screenshot = png_bytes(image)
        self.progress.emit(1, 3, "DOM")
        self.page.toHtml(self._have_dom)

    def _have_dom(self, html: str) -> None:
        if self._stop():
            return
        self.dom = html
        self.progress.emit(2, 3, "PDF")
        try:
            self.page.printToPdf(self._have_pdf)
        except TypeError:  # an older binding without the callback overload
            self._have_pdf(b"")

    def _have_pdf(self, pdf: Any) -> None:
        if self._stop():
            return
        pdf_bytes = bytes(pdf.data()) if hasattr(pdf, "data") else bytes(pdf or b"")
        shot, dom, url, title = self.screenshot, self.dom.encode("utf-8"), self.url, self.title
        acquisition = {"browser_profile": self.browser_profile, "method": "in-app evidence browser (what was on "
                       "screen)", "viewport": self.viewport, "device_pixel_ratio": self.dpr,
                       "page_url": url, "page_title": title, "record_mode": 1 if self.recorded else 0,
                       "shown_at_utc": self.started}

        def store(c: Case, _p: Any, _t: Any) -> Item:
            draft = c.new_item("web", source=url, title=title or url, action=ledger.CAPTURED)
            draft.add_bytes(shot, role="screenshot", name="screenshot.png", mime="image/png")
            draft.add_bytes(dom, role="dom", name="dom.html", mime="text/html")
            if pdf_bytes:
                draft.add_bytes(pdf_bytes, role="pdf", name="page.pdf", mime="application/pdf")
            draft.acquisition.update(acquisition)
            draft.details["browser_profile"] = self.browser_profile.get("mode", "")
            return draft.commit()

        task = Task(self.case, store, name=tr("work.capture"), parent=self)
        task.succeeded.connect(self.finished.emit)
        task.failed.connect(self.failed.emit)
        self.tasks.add(task)
        self.progress.emit(3, 3, "")
        task.start()

    def _stop(self) -> bool:
        if self._cancelled:
            self.cancelled.emit()
            return True
        return False


PageCaptureFactory = Callable[..., Any]


def default_page_capture() -> PageCaptureFactory:
    try:
        webcapture: Any = importlib.import_module("evidence_kit.render.webcapture")

        fn = getattr(webcapture, "make_page_job", None)
        if fn is not None:
            return fn
    except ImportError:
        pass
    return PageCapture


class BrowserTab(QWidget):
    captured = Signal(object)   # Item

    def __init__(self, case: Case, tasks: TaskRegistry, *, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.tasks = tasks
        self.settings = settings or Settings.load()
        self.capture_factory = default_page_capture()
        self.job: Any = None
        self._pending_record = False
        self.persona = ""
        style = self.style()

        def button(icon: QStyle.StandardPixmap, slot: Callable[[], Any]) -> QToolButton:
            b = QToolButton()
            b.setIcon(style.standardIcon(icon))
            b.setAutoRaise(True)
            b.clicked.connect(lambda _c=False: slot())
            return b

        self.address = QLineEdit()
        self.address.returnPressed.connect(self.navigate)
        self.address.setClearButtonEnabled(True)
        self.profile_label = QLabel()
        self.profile_choice = QComboBox()
        self.profile_choice.activated.connect(self._profile_chosen)
        self.capture_button = QToolButton()
        self.capture_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.capture_button.setToolButtonStyle(self.capture_button.toolButtonStyle().ToolButtonTextBesideIcon)
        self.capture_button.clicked.connect(lambda _c=False: self.capture_page())
        self.record = QCheckBox()
        self.record.toggled.connect(self._record_toggled)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setMaximumHeight(4)
        self.bar.setTextVisible(False)
        self.bar.hide()

        self.view = QWebEngineView()
        self.back_button = button(QStyle.StandardPixmap.SP_ArrowBack, self.view.back)
        self.forward_button = button(QStyle.StandardPixmap.SP_ArrowForward, self.view.forward)
        self.reload_button = button(QStyle.StandardPixmap.SP_BrowserReload, self.view.reload)
        self.profile: Any = None
        self._set_profile(self.settings.persona if self.settings.persona in known_personas() else OFF_THE_RECORD)

        top = QHBoxLayout()
        for w in (self.back_button, self.forward_button, self.reload_button):
            top.addWidget(w)
        top.addWidget(self.address, 1)
        top.addWidget(self.capture_button)
        top.addWidget(self.record)
        second = QHBoxLayout()
        second.addWidget(self.profile_label)
        second.addWidget(self.profile_choice)
        second.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        self.retranslate()
        i18n.notifier().changed.connect(self.retranslate)

    # ---- profile ----
    def _fill_profiles(self) -> None:
        self.profile_choice.blockSignals(True)
        self.profile_choice.clear()
        self.profile_choice.addItem(tr("browser.off_record"), OFF_THE_RECORD)
        for name in known_personas():
            self.profile_choice.addItem(tr("browser.persona", name=name), name)
        self.profile_choice.addItem(tr("browser.new_persona"), None)
        self.profile_choice.setCurrentIndex(max(0, self.profile_choice.findData(self.persona)))
        self.profile_choice.blockSignals(False)

    def _set_profile(self, persona: str) -> None:
        old_page = self.view.page() if self.profile is not None else None
        old_profile = self.profile
        url = old_page.url() if old_page is not None else QUrl()
        self.persona = persona
        self.profile = make_profile(persona, self)
        page = QWebEnginePage(self.profile, self.view)
        self.view.setPage(page)
        page.urlChanged.connect(self._url_changed)
        page.loadStarted.connect(self._load_started)
        page.loadFinished.connect(self._load_finished)
        if old_page is not None:
            old_page.deleteLater()  # a page must go before its profile
        if old_profile is not None:
            old_profile.deleteLater()
        if url.isValid() and not url.isEmpty():
            self.view.load(url)

    def _profile_chosen(self, index: int) -> None:
        data = self.profile_choice.itemData(index)
        if data is None:
            name, ok = self.ask_persona_name()
            if not ok or not _PERSONA_NAME.match(name.strip()):
                self._fill_profiles()
                return
            data = name.strip()
        if data != self.persona:
            self._set_profile(str(data))
            self.settings.persona = str(data)
            self.settings.save()
        self._fill_profiles()

    def ask_persona_name(self) -> tuple[str, bool]:
        return QInputDialog.getText(self, tr("browser.profile"), tr("browser.persona_name"))

    def browser_profile(self) -> dict[str, Any]:
        return profile_record(self.profile, self.persona)

    # ---- navigation ----
    def retranslate(self, *_: object) -> None:
        self.address.setPlaceholderText(tr("browser.address"))
        self.back_button.setToolTip(tr("browser.back") + " (Alt+←)")
        self.forward_button.setToolTip(tr("browser.forward") + " (Alt+→)")
        self.reload_button.setToolTip(tr("browser.reload") + " (F5)")
        self.capture_button.setText(tr("browser.capture"))
        self.record.setText(tr("browser.record"))
        self.profile_label.setText(tr("browser.profile"))
        self._fill_profiles()

    def navigate(self, text: str | None = None) -> None:
        url = normalise_url(text if text is not None else self.address.text())
        if url is None:
            self.status.setText(tr("capture.bad_url"))
            return
        self.status.clear()
        self.view.load(QUrl(url))

    def _url_changed(self, url: QUrl) -> None:
        self.address.setText(url.toString())

    def _load_started(self) -> None:
        self.bar.setRange(0, 0)
        self.bar.show()

    def _load_finished(self, ok: bool) -> None:
        self.bar.hide()
        if ok and self.record.isChecked():
            if self.job is not None:
                self._pending_record = True
            else:
                self.capture_page(recorded=True)

    def _record_toggled(self, on: bool) -> None:
        self.status.setText(tr("browser.recording") if on else "")

    # ---- capture ----
    def capture_page(self, recorded: bool = False) -> Any:
        if self.job is not None:
            self.status.setText(tr("browser.busy"))
            return None
        if self.view.url().isEmpty() or self.view.url().scheme() not in ("http", "https", "file"):
            self.status.setText(tr("browser.nothing"))
            return None
        job = self.capture_factory(self.case, self.view, self.browser_profile(), self.tasks, recorded=recorded,
                                   parent=self)
        self.job = job
        self.capture_button.setEnabled(False)
        job.finished.connect(self._captured)
        job.failed.connect(self._failed)
        if hasattr(job, "cancelled"):
            job.cancelled.connect(self._job_done)
        self.tasks.add_job(job, tr("work.capture"))
        self.status.setText(tr("capture.running"))
        job.start()
        return job

    def _job_done(self) -> None:
        self.job = None
        self.capture_button.setEnabled(True)
        if self._pending_record:
            self._pending_record = False
            self.capture_page(recorded=True)

    def _captured(self, item: Any) -> None:
        exhibit = getattr(item, "exhibit", "") or (item.get("exhibit", "") if isinstance(item, dict) else str(item))
        self.status.setStyleSheet("color: #0b6a0b;")
        self.status.setText("✔ " + tr("browser.captured", exhibit=exhibit))
        self.captured.emit(item)
        self._job_done()

    def _failed(self, message: str) -> None:
        self.status.setStyleSheet("color: #b00020;")
        self.status.setText("✘ " + tr("capture.failed", error=i18n.error_text(message)))
        self._job_done()

    def shutdown(self) -> None:
        """Before the window closes: stop loading, drop the page before its profile."""
        self.view.stop()
        if self.job is not None:
            self.job.cancel()
        page = self.view.page()
        self.view.setPage(QWebEnginePage(self.view))
        page.deleteLater()  # the page before its profile
        if self.profile is not None:
            self.profile.deleteLater()
            self.profile = None
