"""Background work that never freezes the window.

A Task runs `fn(case, progress, cancel)` on a QThread with its OWN case handle (case.clone()
opened on the worker thread: a sqlcipher connection belongs to the thread that opened it) and
reports through signals, which Qt delivers on the main thread, so widgets are only touched there.

    task = Task(case, lambda c, progress, cancel: c.verify(progress=progress, cancel=cancel),
                name=tr("work.verify"))
    task.progress.connect(bar.update); task.succeeded.connect(show); task.failed.connect(error)
    task.start()

Closing: cancel() sets the CancelToken the core function checks; wait() then joins the thread.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from ..core.case import Case
from ..core.errors import CancelledError, EvidenceKitError
from ..core.progress import CancelToken

log = logging.getLogger(__name__)

TaskFn = Callable[[Case, Callable[[int, int, str], None], CancelToken], Any]


class _Thread(QThread):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._run_in_thread()


class Task(QObject):
    """One unit of background work on a case. Signals arrive on the main thread."""

    progress = Signal(int, int, str)   # done, total (0 = unknown), message
    succeeded = Signal(object)          # the function's return value
    failed = Signal(str)                # a message fit to show (never a traceback)
    cancelled = Signal()
    finished = Signal()                 # after any of the three above

    def __init__(self, case: Case | None, fn: TaskFn | Callable[..., Any], *, name: str = "",
                 use_clone: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._case = case
        self._fn = fn
        self._use_clone = use_clone
        self.name = name
        self.token = CancelToken()
        self._thread = _Thread(self)
        self._thread.finished.connect(self._on_thread_finished)
        self._outcome: tuple[str, Any] | None = None
        self._discarded = False

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def start(self) -> None:
        self._thread.start()

    def discard(self) -> None:
        """The window is closing: report nothing more (its case handle is about to close)."""
        self._discarded = True

    def cancel(self) -> None:
        self.token.cancel()

    def wait(self, msecs: int = -1) -> bool:
        if msecs < 0:
            return self._thread.wait()
        return self._thread.wait(msecs)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def _report(self, done: int, total: int, message: str) -> None:
        self.progress.emit(int(done), int(total), str(message))

    def _run_in_thread(self) -> None:
        handle: Case | None = None
        try:
            if self._case is not None and self._use_clone:
                handle = self._case.clone()
            result = self._fn(handle if handle is not None else self._case, self._report, self.token)  # type: ignore[arg-type]
            self._outcome = ("ok", result)
        except CancelledError:
            self._outcome = ("cancelled", None)
        except EvidenceKitError as exc:
            self._outcome = ("failed", exc.message)
        except MemoryError:
            self._outcome = ("failed", "Not enough memory. / 메모리가 부족합니다.")
        except OSError as exc:
            self._outcome = ("failed", exc.strerror or str(exc))
        except Exception as exc:  # a bug: log it (without evidence content), show one line
            log.error("background task failed: %s", traceback.format_exc(limit=8))
            self._outcome = ("failed", f"{type(exc).__name__}: {exc}")
        finally:
            if handle is not None:
                handle.close()

    def _on_thread_finished(self) -> None:
        if self._discarded:
            return
        kind, value = self._outcome or ("failed", "stopped")
        if kind == "ok":
            self.succeeded.emit(value)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(str(value))
        self.finished.emit()


class JobHandle(QObject):
    """Tracks a job that is not a Task (the web capture job renders on the GUI thread): it ends
    with finished(object), failed(str) or cancelled(), and stops when cancel() is called."""

    finished = Signal()

    def __init__(self, job: Any, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.name = name
        self.running = True
        for signal in ("finished", "failed", "cancelled"):
            if hasattr(job, signal):
                getattr(job, signal).connect(self._ended)

    def _ended(self, *_: object) -> None:
        if self.running:
            self.running = False
            self.finished.emit()

    def cancel(self) -> None:
        if self.running:
            self.job.cancel()

    def discard(self) -> None:
        for signal in ("progress", "finished", "failed", "cancelled"):
            if hasattr(self.job, signal):
                with contextlib.suppress(RuntimeError, TypeError):
                    getattr(self.job, signal).disconnect()

    def wait(self, msecs: int = 30000) -> bool:
        """Spin the event loop (the job needs it) until the job has ended."""
        if not self.running:
            return True
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        self.finished.connect(loop.quit)
        QTimer.singleShot(msecs, loop.quit)
        loop.exec()
        return not self.running


class TaskRegistry(QObject):
    """The tasks a window has running, so closing can ask, cancel and wait."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: list[Any] = []

    def add_job(self, job: Any, name: str) -> JobHandle:
        handle = JobHandle(job, name, self)
        self.add(handle)  # type: ignore[arg-type]
        return handle

    def add(self, task: Task) -> Task:
        self._tasks.append(task)
        task.finished.connect(lambda t=task: self._remove(t))
        self.changed.emit()
        return task

    def _remove(self, task: Task) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
            self.changed.emit()

    def running(self) -> list[Any]:
        return [t for t in self._tasks if t.running]

    def cancel_all_and_wait(self) -> None:
        """Ask every task to stop, wait for each, then silence them: what they were doing was
        either committed whole or discarded by the core, and nothing touches a closed case."""
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            t.wait()
            t.discard()
        self._tasks.clear()
        self.changed.emit()
