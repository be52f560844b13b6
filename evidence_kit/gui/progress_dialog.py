"""A small non-modal window that follows one background Task: what is being done, a progress
bar, Cancel, then the outcome in plain words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget

from . import i18n
from .i18n import tr
from .workers import Task


class ProgressDialog(QDialog):
    def __init__(self, task: Task, title: str, *, describe: Callable[[Any], tuple[str, list[str]]],
                 cancelled_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = task
        self._describe = describe
        self._cancelled_text = cancelled_text
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.message = QLabel(tr("common.working"))
        self.message.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.hide()
        self.button = QPushButton(tr("common.cancel"))
        self.button.clicked.connect(self._button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.details)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        self.finished_ok: bool | None = None
        task.progress.connect(self._progress)
        task.succeeded.connect(self._succeeded)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)
        task.finished.connect(self._done)

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, int(done * 1000 / total)))
        if message:
            self.message.setText(message)

    def _succeeded(self, result: Any) -> None:
        self.finished_ok = True
        text, lines = self._describe(result)
        self.message.setText(text)
        if lines:
            self.details.setPlainText("\n".join(lines))
            self.details.show()
        self.bar.setRange(0, 1)
        self.bar.setValue(1)

    def _failed(self, message: str) -> None:
        self.finished_ok = False
        self.message.setStyleSheet("color: #b00020; font-weight: 600;")
        self.message.setText(i18n.error_text(message))
        self.bar.hide()

    def _cancelled(self) -> None:
        self.finished_ok = False
        self.message.setText(self._cancelled_text)
        self.bar.hide()

    def _done(self) -> None:
        self.button.setText(tr("common.close"))

    def _button(self) -> None:
        if self.task.running:
            self.task.cancel()
            self.button.setEnabled(False)
            self.button.setText(tr("common.working"))
            self.task.finished.connect(lambda: self.button.setEnabled(True))
        else:
            self.accept()

    def reject(self) -> None:  # Esc / window close: cancel first, never leave work orphaned
        if self.task.running:
            self._button()
            return
        super().reject()
