"""An export killed half-way (SIGKILL, no chance to clean up) leaves no file that looks like a
bundle, records no export, and the next export clears what it left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.export.bundle import export_bundle
from evidence_kit.core.export.verify_bundle import verify_bundle
from tests.conftest import OFFICER, OFFICER_PW

CHILD = """
import sys
from evidence_kit.core.case import Case
from evidence_kit.core.export.bundle import export_bundle

case = Case.open(sys.argv[1], user=sys.argv[3], password=sys.argv[4])
sent = []

def progress(done, total, message):
    if not sent and total and done >= total // 2:
        sent.append(1)
        print("HALF", flush=True)
        sys.stdin.readline()  # hold mid-write until the parent kills us

export_bundle(case, None, sys.argv[2], progress=progress)
print("DONE", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_export_leaves_nothing_complete(case: Case, case_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "clip.mp4"
    big.write_bytes(os.urandom(6 << 20))
    case.ingest([big])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "bundle.zip"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(case_dir), str(out), OFFICER, OFFICER_PW],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "HALF"
        parts = list(out_dir.glob(".bundle.zip.*.part"))
        assert len(parts) == 1 and parts[0].stat().st_size > 0
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert not out.exists()
    for part in out_dir.iterdir():
        assert part.name.startswith(".") and part.name.endswith(".part")
        with pytest.raises(zipfile.BadZipFile):
            zipfile.ZipFile(part)
    assert case.events(action=ledger.EXPORTED) == []
    assert case.verify(record=False).ok
    # The next export to the same name clears the dead export's leftovers.
    export_bundle(case, None, out)
    assert sorted(p.name for p in out_dir.iterdir()) == ["bundle.zip"]
    assert verify_bundle(out).ok
