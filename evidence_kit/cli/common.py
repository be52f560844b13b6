"""Helpers shared by the CLI commands: opening the case, credentials, JSON, progress."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from typing import Any

from ..core.case import Case
from ..core.errors import InputError
from ..core.progress import CancelToken


def add_json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")


def credentials(*, confirm: bool = False, user: str | None = None) -> tuple[str, str]:
    """User from --user / EVIDENCE_KIT_USER / a prompt; password from EVIDENCE_KIT_PASSWORD or
    a prompt (never from the command line, where other users could read it)."""
    name = user or os.environ.get("EVIDENCE_KIT_USER")
    if not name:
        if not sys.stdin.isatty():
            raise InputError("No user given: set EVIDENCE_KIT_USER or run in a terminal. / "
                             "사용자 이름이 필요합니다.")
        name = input("User / 사용자: ").strip()
    password = os.environ.get("EVIDENCE_KIT_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise InputError("No password given: set EVIDENCE_KIT_PASSWORD or run in a terminal. / "
                             "비밀번호가 필요합니다.")
        password = getpass.getpass("Password / 비밀번호: ")
        if confirm and getpass.getpass("Repeat password / 비밀번호 확인: ") != password:
            raise InputError("The passwords do not match. / 비밀번호가 일치하지 않습니다.")
    return name, password


def case_path(args: argparse.Namespace) -> str:
    path = getattr(args, "case", None) or os.environ.get("EVIDENCE_KIT_CASE")
    if not path:
        raise InputError("No case given: use --case PATH or set EVIDENCE_KIT_CASE. / 사건 경로가 필요합니다.")
    return str(path)


def open_case(args: argparse.Namespace) -> Case:
    path = case_path(args)
    user, password = credentials()
    return Case.open(path, user=user, password=password)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write("\n")


class ProgressBar:
    """A one-line progress bar on stderr, drawn only for a terminal and at most 10 times a second."""

    def __init__(self, label: str = "", enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int, message: str) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done != total:
            return
        self._last = now
        width = 30
        if total > 0:
            frac = min(1.0, done / total)
            bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
            text = f"\r{self.label} [{bar}] {frac * 100:5.1f}% {_human(done)}/{_human(total)} {message[:30]}"
        else:
            text = f"\r{self.label} {_human(done)} {message[:40]}"
        sys.stderr.write(text.ljust(100)[:120])
        sys.stderr.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def cancel_on_sigint() -> CancelToken:
    """A token that Ctrl-C sets, so long work stops cleanly instead of dying mid-write."""
    import signal

    token = CancelToken()

    def handler(signum: int, frame: object) -> None:
        token.cancel()

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not in the main thread
        pass
    return token
