"""A real full disk (a small tmpfs, when this process may mount one; otherwise skipped — the
object store's write path is also covered by a simulated ENOSPC in test_objects.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidence_kit.core.case import Case
from evidence_kit.core.errors import StorageFullError
from tests.conftest import OFFICER, OFFICER_PW


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {proc.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_ingest_on_a_full_disk(small_fs: Path, tmp_path: Path) -> None:
    case_dir = small_fs / "c.ekcase"
    case = Case.create(case_dir, number="FULL-1", title="t", user=OFFICER, password=OFFICER_PW)
    small = tmp_path / "small.txt"
    small.write_text("fits")
    assert case.ingest([small]).ok
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 << 20))
    result = case.ingest([big])
    assert not result.items and "disk is full" in result.failures[0].message.lower()
    assert list((case_dir / "tmp").iterdir()) == []
    # Fill what is left, then try a small write: the database refuses cleanly.
    filler = small_fs / "filler"
    with contextlib.suppress(OSError), open(filler, "wb") as f:
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    with contextlib.suppress(StorageFullError):
        case.ingest([small])
    with contextlib.suppress(StorageFullError):
        case.set_notes("E0001", "x" * 100_000)
    filler.unlink()
    case.close()
    with Case.open(case_dir, user=OFFICER, password=OFFICER_PW) as again:
        report = again.verify(record=False)
        assert report.ok, [str(p) for p in report.problems]
        assert again.check().missing == []
        assert again.item(1).title == "small.txt"
