"""Start-up probe for packaged builds and CI: a hidden, documented switch (packaging/README.md).

    EVIDENCE_KIT_SMOKE_EXIT_AFTER_SHOWN=1        quit once a main window (QMainWindow) is painted
    EVIDENCE_KIT_SMOKE_EXIT_AFTER_SHOWN=any      ... once any top-level window is painted
    EVIDENCE_KIT_SMOKE_EXIT_AFTER_SHOWN=<Class>  ... once a window of that class is painted
    EVIDENCE_KIT_SMOKE_T0_NS=<time.time_ns()>    the launcher's clock at start (so the time includes
                                                 the frozen app's bootloader); otherwise the
                                                 process start time where the OS tells it
    EVIDENCE_KIT_SMOKE_TIMEOUT_S=120             give up (exit code 3) if nothing shows by then
    EVIDENCE_KIT_SMOKE_REPORT=<path>             also write the result as JSON (the windowed
                                                 Windows/macOS executables have no stdout)
    EVIDENCE_KIT_SMOKE_CASE=<case folder>        open this case (EVIDENCE_KIT_USER and
                                                 EVIDENCE_KIT_PASSWORD) once the start window is
                                                 painted, as if the user had unlocked it there: the
                                                 start window's `opened(case)` signal is emitted, so
                                                 the app's own code builds the main window

It prints ``evidence-kit smoke: first window StartDialog after 640 ms (since launch)`` when the
first window is painted and ``evidence-kit smoke: MainWindow shown after 1212 ms (since launch)``
when the wanted one is, then closes every window and quits the event loop with exit code 0.
Without EVIDENCE_KIT_SMOKE_EXIT_AFTER_SHOWN, install() does nothing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

ENV_SWITCH = "EVIDENCE_KIT_SMOKE_EXIT_AFTER_SHOWN"
ENV_T0 = "EVIDENCE_KIT_SMOKE_T0_NS"
ENV_TIMEOUT = "EVIDENCE_KIT_SMOKE_TIMEOUT_S"
ENV_REPORT = "EVIDENCE_KIT_SMOKE_REPORT"
ENV_CASE = "EVIDENCE_KIT_SMOKE_CASE"
ENV_SCREENSHOT = "EVIDENCE_KIT_SMOKE_SCREENSHOT"
EXIT_TIMEOUT = 3
EXIT_CASE_FAILED = 4


def process_start_ns() -> tuple[int, str]:
    """(wall-clock ns at which this process started, how that was found)."""
    raw = os.environ.get(ENV_T0, "")
    if raw.isdigit():
        return int(raw), "since launch"
    if sys.platform.startswith("linux"):
        try:
            # Field 22 of /proc/self/stat: start time in clock ticks after boot.
            fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[19])
            boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                        if line.startswith("btime "))
            return boot * 1_000_000_000 + ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK"), "since process start"
        except (OSError, ValueError, IndexError, StopIteration):
            pass
    return _IMPORTED_NS, "since the GUI module loaded"


_IMPORTED_NS = time.time_ns()


class _ShownWatcher(QObject):
    """Application-wide event filter: waits for the first paint of the wanted window."""

    def __init__(self, app: QApplication, wanted: str) -> None:
        super().__init__(app)
        self._app = app
        self._wanted = wanted
        self._done = False
        self._first_window: tuple[str, int] | None = None
        self._case_requested = False
        self._t0, self._basis = process_start_ns()
        timeout_s = float(os.environ.get(ENV_TIMEOUT, "") or 120)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._give_up)
        self._timer.start(int(timeout_s * 1000))

    def _matches(self, widget: QWidget) -> bool:
        if not widget.isWindow():
            return False
        if self._wanted == "any":
            return True
        if self._wanted in ("1", "true", "yes"):
            return isinstance(widget, QMainWindow)
        return any(cls.__name__ == self._wanted for cls in type(widget).__mro__)

    def _elapsed_ms(self) -> int:
        return max(0, (time.time_ns() - self._t0) // 1_000_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if self._done or event.type() != QEvent.Type.Paint or not isinstance(watched, QWidget) \
                or not watched.isWindow():
            return False
        if self._first_window is None:
            self._first_window = (type(watched).__name__, self._elapsed_ms())
            self._say(f"evidence-kit smoke: first window {self._first_window[0]} after "
                      f"{self._first_window[1]} ms ({self._basis})")
        if self._matches(watched):
            self._done = True
            elapsed_ms = self._elapsed_ms()
            self._report({"ok": 1, "window": type(watched).__name__, "title": watched.windowTitle(),
                          "shown_ms": elapsed_ms, "first_window": self._first_window[0],
                          "first_window_ms": self._first_window[1], "basis": self._basis},
                         f"evidence-kit smoke: {type(watched).__name__} shown after {elapsed_ms} ms ({self._basis})")
            # Leave the paint handler first, then close like a user would, then end every loop.
            QTimer.singleShot(0, lambda: self._finish(watched))
        elif os.environ.get(ENV_CASE) and not self._case_requested and hasattr(watched, "opened"):
            self._case_requested = True
            QTimer.singleShot(0, lambda: self._open_case(watched))
        return False

    def _open_case(self, start_window: QWidget) -> None:
        """Unlock the case as the start window would, and hand it over through its signal."""
        from ..core.case import Case
        from ..core.errors import EvidenceKitError

        try:
            case = Case.open(os.environ[ENV_CASE], user=os.environ.get("EVIDENCE_KIT_USER", ""),
                             password=os.environ.get("EVIDENCE_KIT_PASSWORD", ""))
        except EvidenceKitError as exc:
            self._done = True
            self._report({"ok": 0, "window": "", "title": "", "shown_ms": -1, "basis": self._basis},
                         f"evidence-kit smoke: could not open the case: {exc.message}", error=True)
            self._app.closeAllWindows()
            self._app.exit(EXIT_CASE_FAILED)
            return
        start_window.opened.emit(case)  # type: ignore[attr-defined]

    def _finish(self, window: QWidget) -> None:
        self._timer.stop()
        screenshot = os.environ.get(ENV_SCREENSHOT)
        if screenshot:
            window.grab().save(screenshot, "PNG")
        self._app.closeAllWindows()
        self._app.exit(0)

    def _give_up(self) -> None:
        if self._done:
            return
        self._done = True
        self._report({"ok": 0, "window": "", "title": "", "shown_ms": -1, "basis": self._basis},
                     f"evidence-kit smoke: no {self._describe()} was shown in time", error=True)
        self._app.closeAllWindows()
        self._app.exit(EXIT_TIMEOUT)

    def _describe(self) -> str:
        if self._wanted == "any":
            return "window"
        return "main window" if self._wanted in ("1", "true", "yes") else f"{self._wanted} window"

    @staticmethod
    def _say(line: str, error: bool = False) -> None:
        stream = sys.stderr if error else sys.stdout
        if stream is not None:  # None in windowed executables
            print(line, file=stream, flush=True)

    @classmethod
    def _report(cls, data: dict[str, object], line: str, error: bool = False) -> None:
        cls._say(line, error)
        path = os.environ.get(ENV_REPORT)
        if path:
            Path(path).write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def install(app: QApplication) -> None:
    """Arm the probe when EVIDENCE_KIT_SMOKE_EXIT_AFTER_SHOWN is set; otherwise do nothing.
    Call once, right after the QApplication is created."""
    wanted = os.environ.get(ENV_SWITCH, "").strip()
    if not wanted or wanted == "0" or getattr(app, "_evidence_kit_smoke", None) is not None:
        return
    watcher = _ShownWatcher(app, wanted)
    app.installEventFilter(watcher)
    app._evidence_kit_smoke = watcher  # type: ignore[attr-defined]  # keeps it alive, guards re-install
