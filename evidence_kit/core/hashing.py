"""Several hashes of one stream from a single read, computed in parallel threads.

hashlib releases the GIL for large updates, so MD5 (the slowest) runs on one core while
SHA-256 and SHA-1 share another and the caller encrypts and writes on the main thread.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterable
from typing import Any

DEFAULT_ALGORITHMS = ("sha256", "md5", "sha1")

# Which algorithms share a thread: the slow MD5 alone, the SHA family together.
_GROUPS = (("md5",), ("sha256", "sha1"))
_STOP = object()


class MultiHasher:
    """Feed chunks with update(); hexdigests() waits for the worker threads and returns all digests."""

    def __init__(self, algorithms: Iterable[str] = DEFAULT_ALGORITHMS) -> None:
        algos = list(dict.fromkeys(algorithms))
        if "sha256" not in algos:
            raise ValueError("sha256 is always computed")
        self._hashers: dict[str, Any] = {name: hashlib.new(name) for name in algos}
        groups = [[a for a in group if a in self._hashers] for group in _GROUPS]
        groups = [g for g in groups if g]
        grouped = {a for g in groups for a in g}
        groups += [[a] for a in algos if a not in grouped]
        self._queues: list[queue.Queue[Any]] = []
        self._threads: list[threading.Thread] = []
        self._error: BaseException | None = None
        for group in groups:
            q: queue.Queue[Any] = queue.Queue(maxsize=16)  # bounds memory: 16 chunks per thread
            t = threading.Thread(target=self._run, args=(q, [self._hashers[a] for a in group]),
                                 name="hash-" + "+".join(group), daemon=True)
            t.start()
            self._queues.append(q)
            self._threads.append(t)
        self._finished = False

    def _run(self, q: queue.Queue[Any], hashers: list[Any]) -> None:
        try:
            while True:
                chunk = q.get()
                if chunk is _STOP:
                    return
                for h in hashers:
                    h.update(chunk)
        except BaseException as exc:  # pragma: no cover - hashlib does not fail on bytes
            self._error = exc
            while q.get() is not _STOP:
                pass

    def update(self, chunk: bytes) -> None:
        """chunk must not be mutated afterwards (pass bytes, not a reused bytearray)."""
        for q in self._queues:
            q.put(chunk)

    def close(self) -> None:
        if self._finished:
            return
        self._finished = True
        for q in self._queues:
            q.put(_STOP)
        for t in self._threads:
            t.join()

    def hexdigests(self) -> dict[str, str]:
        self.close()
        if self._error is not None:
            raise self._error
        return {name: h.hexdigest() for name, h in self._hashers.items()}

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - interpreter shutdown
            pass


def hash_bytes(data: bytes, algorithms: Iterable[str] = DEFAULT_ALGORITHMS) -> dict[str, str]:
    return {name: hashlib.new(name, data).hexdigest() for name in dict.fromkeys(algorithms)}
