"""A full CLI session leaves an operational log with no secret and no evidence content."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from evidence_kit.core import keyslots
from evidence_kit.core.paths import log_dir
from tests.conftest import OFFICER_PW

SECRET_CONTENT = b"VICTIM-NAME-HONG-GILDONG-EVIDENCE-TEXT"


def test_session_log_has_no_secrets(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    path = tmp_path / "log.ekcase"
    assert cli("case", "init", str(path), "--number", "LOG-1", "--title", "t", "--user", "kim")[0] == 0
    f = tmp_path / "chat.txt"
    f.write_bytes(SECRET_CONTENT)
    assert cli("ingest", str(f), case=path)[0] == 0
    assert cli("list", case=path, password="wrong-password-x")[0] == 3
    assert cli("verify", case=path)[0] == 0
    assert cli("extract", "E0001", str(tmp_path / "out"), case=path)[0] == 0
    logs = b"".join(p.read_bytes() for p in log_dir().glob("evidence-kit.log*"))
    assert b"command ingest" in logs and b"LOG-1-E0001" in logs  # it does log what happened
    assert OFFICER_PW.encode() not in logs and b"wrong-password-x" not in logs
    assert SECRET_CONTENT not in logs
    slot = keyslots.read(path)["slots"][0]
    for secret in (slot["cmk"], slot["signing_key"], slot["salt"]):
        assert secret.encode() not in logs
    if os.name == "posix":
        assert (log_dir() / "evidence-kit.log").stat().st_mode & 0o077 == 0
