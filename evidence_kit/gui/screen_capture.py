"""Screen capture: the whole screen, a region drawn with the mouse, or one window; an optional
delay; Evidence Kit hides itself first. The PNG (lossless, at the screen's physical pixels) is
stored as a "screen" item with an acquisition record of what was captured: screen name and
geometry, device pixel ratio, region, window title where known.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QScreen,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ..core import ledger
from ..core.case import Case, Item
from . import i18n
from .i18n import tr
from .workers import Task, TaskRegistry

FULL, REGION, WINDOW = "full", "region", "window"


@dataclass
class WindowInfo:
    wid: int
    title: str
    rect: QRect


def list_windows() -> list[WindowInfo]:
    """Top-level windows of other programs, where the system lets us list them (X11 with wmctrl;
    Windows). Elsewhere the list is empty and the dialog says so."""
    system = platform.system()
    out: list[WindowInfo] = []
    if system == "Linux" and QGuiApplication.platformName() == "xcb" and shutil.which("wmctrl"):
        try:
            text = subprocess.run(["wmctrl", "-lG"], capture_output=True, text=True, timeout=3, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            return []
        for line in text.splitlines():
            parts = line.split(None, 7)
            if len(parts) >= 7:
                try:
                    wid, x, y, w, h = int(parts[0], 16), *(int(p) for p in parts[2:6])
                except ValueError:
                    continue
                out.append(WindowInfo(wid, parts[7] if len(parts) > 7 else "", QRect(x, y, w, h)))
    elif system == "Windows":  # pragma: no cover - exercised on Windows only
        import ctypes
        from ctypes import wintypes

        user32 = ctypes.windll.user32  # type: ignore[attr-defined]

        def callback(hwnd: int, _lparam: int) -> bool:
            if user32.IsWindowVisible(hwnd):
                length = user32.GetWindowTextLengthW(hwnd)
                if length:
                    buf = ctypes.create_unicode_buffer(length + 1)
                    user32.GetWindowTextW(hwnd, buf, length + 1)
                    r = wintypes.RECT()
                    user32.GetWindowRect(hwnd, ctypes.byref(r))
                    if r.right > r.left and r.bottom > r.top:
                        out.append(WindowInfo(int(hwnd), buf.value, QRect(r.left, r.top, r.right - r.left,
                                                                             r.bottom - r.top)))
            return True

        functype = ctypes.WINFUNCTYPE  # type: ignore[attr-defined]
        proc = functype(ctypes.c_bool, wintypes.HWND, wintypes.LPARAM)(callback)
        user32.EnumWindows(proc, 0)
    return out


def screen_record(screen: QScreen) -> dict[str, Any]:
    g = screen.geometry()
    return {"name": screen.name(), "manufacturer": screen.manufacturer(), "model": screen.model(),
            "geometry": [g.x(), g.y(), g.width(), g.height()],
            "device_pixel_ratio": repr(float(screen.devicePixelRatio())),
            "logical_dpi": repr(float(screen.logicalDotsPerInch()))}


def grab(screen: QScreen, rect: QRect | None = None, wid: int = 0) -> QImage:
    """Pixels of the screen (or of `rect` in the screen's logical coordinates, or window `wid`)."""
    if wid:
        pixmap = screen.grabWindow(wid)
    elif rect is not None:
        g = screen.geometry()
        pixmap = screen.grabWindow(0, rect.x() - g.x(), rect.y() - g.y(), rect.width(), rect.height())
    else:
        pixmap = screen.grabWindow(0)
    return pixmap.toImage()


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):  # type: ignore[call-overload]
        raise ValueError("the image could not be encoded as PNG")
    return bytes(data.data())


def store_screen_capture(case: Case, png: bytes, *, title: str, acquisition: dict[str, Any], notes: str = "",
                         tags: list[str] | None = None) -> Item:
    """One "screen" item with the PNG as its original (no Qt: runs on a worker)."""
    draft = case.new_item("screen", source="screen", title=title, action=ledger.CAPTURED)
    draft.add_bytes(png, role="screenshot", name="screen.png", mime="image/png")
    draft.acquisition["screen_capture"] = acquisition
    draft.details["screen_capture"] = {k: v for k, v in acquisition.items() if k in ("mode", "screen", "region",
                                                                                     "window_title")}
    draft.notes = notes
    draft.tags = list(tags or [])
    return draft.commit()


class RegionSelector(QWidget):
    """A full-screen overlay over a frozen picture of the screen: drag a rectangle; Esc cancels."""

    selected = Signal(QRect)   # in the screen's logical coordinates (relative to the screen)
    cancelled = Signal()

    def __init__(self, screen: QScreen, frozen: QImage) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
                         | Qt.WindowType.Tool)
        self.frozen = frozen
        self.setGeometry(screen.geometry())
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.origin: QPoint | None = None
        self.current: QPoint | None = None
        self.setMouseTracking(True)

    def selection(self) -> QRect:
        if self.origin is None or self.current is None:
            return QRect()
        return QRect(self.origin, self.current).normalized()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.drawImage(self.rect(), self.frozen)
        p.fillRect(self.rect(), QColor(0, 0, 0, 110))
        sel = self.selection()
        if not sel.isEmpty():
            dpr = self.frozen.width() / max(1, self.width())
            src = QRect(int(sel.x() * dpr), int(sel.y() * dpr), int(sel.width() * dpr), int(sel.height() * dpr))
            p.drawImage(sel, self.frozen, src)
            p.setPen(QPen(QColor("#ffcc00"), 2))
            p.drawRect(sel)
            p.drawText(sel.bottomLeft() + QPoint(4, 16), f"{sel.width()} × {sel.height()}")
        else:
            p.setPen(QColor("white"))
            p.drawText(self.rect().adjusted(0, 40, 0, 0), Qt.AlignmentFlag.AlignHCenter, tr("screen.region_hint"))
        p.end()

    def mousePressEvent(self, e: QMouseEvent) -> None:
        self.origin = self.current = e.position().toPoint()
        self.update()

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self.origin is not None:
            self.current = e.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        self.current = e.position().toPoint()
        sel = self.selection()
        self.close()
        if sel.width() >= 4 and sel.height() >= 4:
            self.selected.emit(sel)
        else:
            self.cancelled.emit()

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key.Key_Escape:
            self.close()
            self.cancelled.emit()


def crop(frozen: QImage, screen: QScreen, sel: QRect) -> QImage:
    """Cut the selection (logical pixels) out of a full-screen image (physical pixels)."""
    dpr = frozen.width() / max(1, screen.geometry().width())
    return frozen.copy(QRect(round(sel.x() * dpr), round(sel.y() * dpr), round(sel.width() * dpr),
                             round(sel.height() * dpr)))


class ScreenCaptureDialog(QDialog):
    captured = Signal(object)   # Item
    failed = Signal(str)

    def __init__(self, case: Case, tasks: TaskRegistry, parent: QWidget | None = None, *,
                 hide_windows: list[QWidget] | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.tasks = tasks
        self.hide_windows = hide_windows or []
        self.selector: RegionSelector | None = None
        self.result_item: Item | None = None
        self._hidden: list[QWidget] = []
        self.setMinimumWidth(480)
        self.mode_group = QButtonGroup(self)
        self.mode_full = QRadioButton()
        self.mode_region = QRadioButton()
        self.mode_window = QRadioButton()
        for i, b in enumerate((self.mode_full, self.mode_region, self.mode_window)):
            self.mode_group.addButton(b, i)
        self.mode_full.setChecked(True)
        self.screen_choice = QComboBox()
        for s in QGuiApplication.screens():
            g = s.geometry()
            self.screen_choice.addItem(f"{s.name()} ({g.width()}×{g.height()})", s.name())
        self.window_choice = QComboBox()
        self.window_choice.setEnabled(False)
        self.windows: list[WindowInfo] = []
        self.mode_window.toggled.connect(self._window_mode)
        self.delay = QSpinBox()
        self.delay.setRange(0, 60)
        self.hide_self = QCheckBox()
        self.hide_self.setChecked(True)
        self.title_edit = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(80)
        self.tags = QLineEdit()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.mode_label = QLabel()
        modes = QVBoxLayout()
        modes.addWidget(self.mode_full)
        modes.addWidget(self.mode_region)
        wrow = QHBoxLayout()
        wrow.addWidget(self.mode_window)
        wrow.addWidget(self.window_choice, 1)
        modes.addLayout(wrow)
        self.form = QFormLayout()
        self.form.addRow(QLabel(), self.screen_choice)
        self.form.addRow(QLabel(), self.delay)
        self.form.addRow(QLabel(), self.hide_self)
        self.form.addRow(QLabel(), self.title_edit)
        self.form.addRow(QLabel(), self.notes)
        self.form.addRow(QLabel(), self.tags)
        self.start_button = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_DesktopIcon), "")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.mode_label)
        layout.addLayout(modes)
        layout.addLayout(self.form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.retranslate()
        i18n.notifier().changed.connect(self.retranslate)

    def retranslate(self, *_: object) -> None:
        self.setWindowTitle(tr("screen.title"))
        self.mode_label.setText(tr("screen.mode"))
        self.mode_full.setText(tr("screen.full"))
        self.mode_region.setText(tr("screen.region"))
        self.mode_window.setText(tr("screen.window"))
        self.delay.setSuffix(tr("screen.seconds"))
        self.hide_self.setText(tr("screen.hide"))
        for row, key in enumerate(("screen.screen", "screen.delay", "", "screen.title_field", "capture.notes",
                                   "capture.tags")):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if key and label is not None and isinstance(label.widget(), QLabel):
                label.widget().setText(tr(key))  # type: ignore[union-attr]
        self.start_button.setText(tr("screen.start"))
        self.close_button.setText(tr("common.close"))

    def _window_mode(self, on: bool) -> None:
        self.window_choice.setEnabled(on)
        if on and not self.windows:
            self.windows = list_windows()
            self.window_choice.clear()
            for w in self.windows:
                self.window_choice.addItem(w.title or hex(w.wid), w.wid)
            if not self.windows:
                self.status.setText(tr("screen.no_windows"))
                self.mode_full.setChecked(True)

    def mode(self) -> str:
        return (FULL, REGION, WINDOW)[max(0, self.mode_group.checkedId())]

    def screen(self) -> QScreen:
        name = self.screen_choice.currentData()
        return next((s for s in QGuiApplication.screens() if s.name() == name), QGuiApplication.primaryScreen())

    # ---- the capture ----
    def start(self) -> None:
        self.start_button.setEnabled(False)
        self.status.setText("")
        self._hidden = []
        if self.hide_self.isChecked():
            for w in [self, *self.hide_windows]:
                if w.isVisible():
                    w.hide()
                    self._hidden.append(w)
        # Give the window system a moment to remove our windows from the screen before grabbing.
        QTimer.singleShot(self.delay.value() * 1000 + (250 if self._hidden else 0), self._grab)

    def _restore(self) -> None:
        for w in self._hidden:
            w.show()
        self._hidden = []
        self.start_button.setEnabled(True)

    def _grab(self) -> None:
        screen = self.screen()
        mode = self.mode()
        started = ledger.utc_now_ms()
        acq: dict[str, Any] = {"mode": mode, "screen": screen_record(screen), "delay_s": self.delay.value(),
                               "app_hidden": 1 if self._hidden else 0, "grabbed_utc": started,
                               "platform": QGuiApplication.platformName(),
                               "virtual_geometry": _rect(screen.virtualGeometry())}
        try:
            if mode == WINDOW and self.window_choice.currentIndex() >= 0 and self.windows:
                info = self.windows[self.window_choice.currentIndex()]
                image = grab(screen, wid=info.wid)
                if image.isNull():
                    image = grab(screen, rect=info.rect)
                acq.update(window_title=info.title, window_id=hex(info.wid), region=_rect(info.rect))
            else:
                image = grab(screen)
                if mode == REGION:
                    self._select_region(screen, image, acq)
                    return
        except Exception as exc:
            self._fail(str(exc))
            return
        self._store(image, acq)

    def _select_region(self, screen: QScreen, frozen: QImage, acq: dict[str, Any]) -> None:
        self.selector = RegionSelector(screen, frozen)
        self.selector.selected.connect(lambda sel: self._region_chosen(screen, frozen, sel, acq))
        self.selector.cancelled.connect(self._restore)
        self.selector.showFullScreen()
        self.selector.activateWindow()

    def _region_chosen(self, screen: QScreen, frozen: QImage, sel: QRect, acq: dict[str, Any]) -> None:
        g = screen.geometry()
        acq["region"] = [sel.x() + g.x(), sel.y() + g.y(), sel.width(), sel.height()]
        self._store(crop(frozen, screen, sel), acq)

    def _store(self, image: QImage, acq: dict[str, Any]) -> None:
        self._restore()
        if image.isNull() or image.width() == 0:
            self._fail("the screen returned no picture")
            return
        acq["pixels"] = [image.width(), image.height()]
        title = self.title_edit.text().strip() or tr("screen.default_title",
                                                      time=datetime.now().strftime("%Y-%m-%d %H:%M:%S"))
        if acq.get("window_title") and not self.title_edit.text().strip():
            title = f"{title} · {acq['window_title']}"
        notes = self.notes.toPlainText().strip()
        tags = [t.strip() for t in self.tags.text().replace(";", ",").split(",") if t.strip()]
        try:
            png = png_bytes(image)
        except ValueError as exc:
            self._fail(str(exc))
            return
        task = Task(self.case, lambda c, _p, _t: store_screen_capture(c, png, title=title, acquisition=acq,
                                                                      notes=notes, tags=tags),
                    name=tr("work.capture"), parent=self)
        task.succeeded.connect(self._stored)
        task.failed.connect(self._fail)
        self.tasks.add(task)
        task.start()

    def _stored(self, item: Item) -> None:
        self.result_item = item
        self.status.setStyleSheet("color: #0b6a0b; font-weight: 600;")
        self.status.setText("✔ " + tr("screen.done", exhibit=item.exhibit))
        self.captured.emit(item)

    def _fail(self, message: str) -> None:
        self._restore()
        self.status.setStyleSheet("color: #b00020; font-weight: 600;")
        self.status.setText("✘ " + tr("screen.failed", error=i18n.error_text(message)))
        self.failed.emit(message)


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


__all__ = ["QMessageBox", "QPixmap", "RegionSelector", "ScreenCaptureDialog", "store_screen_capture"]
