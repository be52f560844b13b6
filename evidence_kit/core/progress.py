"""Progress reporting and cancellation shared by every long core operation."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .errors import CancelledError

#: progress(done, total, message); total is 0 when unknown.
ProgressCallback = Callable[[int, int, str], None]


def no_progress(done: int, total: int, message: str) -> None:
    """A progress callback that ignores everything."""


class CancelToken:
    """A flag the GUI (or a signal handler) sets to ask long work to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise CancelledError()


NEVER_CANCELLED = CancelToken()
