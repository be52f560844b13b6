"""Capture URL: a web address, notes and tags; the capture runs in the background (HTTP + WARC on
a worker, rendering on the GUI thread, by evidence_kit.render.webcapture) with progress and
Cancel, and the result (exhibit number, or the reason it failed) is shown."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ..core.case import Case
from . import i18n
from .i18n import tr
from .workers import TaskRegistry

# A job: QObject with signals progress(int, int, str), finished(object), failed(str) [, cancelled()]
# and methods start(), cancel(). Factory: (case, url, notes, tags, parent) -> job.
JobFactory = Callable[[Case, str, str, list[str], QObject], Any]


def default_job_factory() -> JobFactory | None:
    """The web capture feature's job, or None when this build has none."""
    try:
        webcapture: Any = importlib.import_module("evidence_kit.render.webcapture")
    except ImportError:
        return None
    make = getattr(webcapture, "make_gui_job", None)
    if make is not None:
        return make
    job_cls = getattr(webcapture, "WebCaptureJob", None) or getattr(webcapture, "CaptureJob", None)
    if job_cls is None:
        return None

    def factory(case: Case, url: str, notes: str, tags: list[str], parent: QObject) -> Any:
        return job_cls(case, url, note=notes, tags=tags, parent=parent)

    return factory


def normalise_url(text: str) -> str | None:
    text = text.strip()
    if text and "://" not in text:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)", text):  # javascript:, data:, mailto: …
            return None
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        return None
    return text


def item_exhibit(result: Any) -> str:
    """Jobs report the new item, its JSON or its exhibit number."""
    if isinstance(result, str):
        return result
    if isinstance(result, dict):
        return str(result.get("exhibit", ""))
    return str(getattr(result, "exhibit", ""))


class CaptureUrlDialog(QDialog):
    captured = Signal(object)   # the item (or what the job reported)
    show_item = Signal(str)     # exhibit

    def __init__(self, case: Case, tasks: TaskRegistry, parent: QWidget | None = None, *,
                 job_factory: JobFactory | None = None, url: str = "") -> None:
        super().__init__(parent)
        self.case = case
        self.tasks = tasks
        self.job_factory = job_factory if job_factory is not None else default_job_factory()
        self.job: Any = None
        self.exhibit = ""
        self.setMinimumWidth(560)
        style = self.style()
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("https://t.me/s/…")
        self.url.returnPressed.connect(self.start)
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(90)
        self.tags = QLineEdit()
        self.form = QFormLayout()
        self.form.addRow(QLabel(), self.url)
        self.form.addRow(QLabel(), self.notes)
        self.form.addRow(QLabel(), self.tags)
        self.bar = QProgressBar()
        self.bar.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon), "")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton), "")
        self.cancel_button.clicked.connect(self.cancel_or_close)
        self.show_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView), "")
        self.show_button.clicked.connect(self._show_clicked)
        self.show_button.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        if self.job_factory is None:
            self.status.setText(tr("capture.unavailable"))
            self.start_button.setEnabled(False)
        self.retranslate()
        i18n.notifier().changed.connect(self.retranslate)

    def retranslate(self, *_: object) -> None:
        self.setWindowTitle(tr("capture.title"))
        for row, key in enumerate(("capture.url", "capture.notes", "capture.tags")):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if label is not None and isinstance(label.widget(), QLabel):
                label.widget().setText(tr(key))  # type: ignore[union-attr]
        self.start_button.setText(tr("capture.start"))
        self.cancel_button.setText(tr("common.cancel") if self.running else tr("common.close"))
        self.show_button.setText(tr("capture.show_item"))

    def _show_clicked(self) -> None:
        self.show_item.emit(self.exhibit)
        self.accept()

    @property
    def running(self) -> bool:
        return self.job is not None

    def _set_error(self, text: str) -> None:
        self.status.setStyleSheet("color: #b00020; font-weight: 600;")
        self.status.setText(text)

    def start(self) -> None:
        if self.running or self.job_factory is None:
            return
        url = normalise_url(self.url.text())
        if url is None:
            self._set_error(tr("capture.bad_url"))
            return
        self.url.setText(url)
        tags = [t.strip() for t in self.tags.text().replace(";", ",").split(",") if t.strip()]
        try:
            job = self.job_factory(self.case, url, self.notes.toPlainText().strip(), tags, self)
        except Exception as exc:
            self._set_error(tr("capture.failed", error=i18n.error_text(getattr(exc, "message", str(exc)))))
            return
        self.job = job
        self.exhibit = ""
        self.status.setStyleSheet("")
        self.status.setText(tr("capture.running"))
        self.show_button.hide()
        self.bar.setRange(0, 0)
        self.bar.show()
        for w in (self.url, self.notes, self.tags, self.start_button):
            w.setEnabled(False)
        job.progress.connect(self._progress)
        job.finished.connect(self._finished)
        job.failed.connect(self._failed)
        if hasattr(job, "cancelled"):
            job.cancelled.connect(self._cancelled)
        self.cancel_button.setText(tr("common.cancel"))
        self.tasks.add_job(job, tr("work.capture"))
        job.start()

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, int(done * 1000 / total)))
        if message:
            self.status.setText(message)

    def _end(self) -> None:
        self.job = None
        self.bar.hide()
        for w in (self.url, self.notes, self.tags, self.start_button):
            w.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(tr("common.close"))

    def _finished(self, result: Any) -> None:
        self._end()
        self.exhibit = item_exhibit(result)
        self.status.setStyleSheet("color: #0b6a0b; font-weight: 600;")
        self.status.setText("✔ " + tr("capture.done", exhibit=self.exhibit))
        self.show_button.setVisible(bool(self.exhibit))
        self.captured.emit(result)

    def _failed(self, message: str) -> None:
        was_cancelled = self.job is not None and getattr(self, "_cancel_requested", False)
        self._end()
        if was_cancelled:
            self._cancelled()
            return
        self._set_error("✘ " + tr("capture.failed", error=i18n.error_text(message)))

    def _cancelled(self) -> None:
        self._end()
        self.status.setStyleSheet("")
        self.status.setText(tr("capture.cancelled"))

    def cancel_or_close(self) -> None:
        if self.job is not None:
            self._cancel_requested = True
            self.cancel_button.setEnabled(False)
            self.job.cancel()
        else:
            self.accept()

    def reject(self) -> None:
        if self.job is not None:
            self.cancel_or_close()
            return
        super().reject()
