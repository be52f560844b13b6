"""Real processes: SIGKILL in the middle of an ingest, and two writers at once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evidence_kit.core.case import Case
from tests.conftest import OFFICER, OFFICER_PW

CHILD = textwrap.dedent("""
    import sys
    from evidence_kit.core.case import Case
    case = Case.open(sys.argv[1], user=sys.argv[2], password=sys.argv[3])
    def progress(done, total, msg):
        print(f"P {done} {total}", flush=True)
    result = case.ingest(sys.argv[4:], progress=progress)
    print("DONE", len(result.items), flush=True)
""")

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")


def _spawn(case_dir: Path, *files: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(case_dir), OFFICER, OFFICER_PW, *map(str, files)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})


@pytest.mark.slow
def test_sigkill_during_ingest_leaves_a_consistent_case(case: Case, case_dir: Path, tmp_path: Path) -> None:
    rng = random.Random(20261122)
    size = 24 << 20
    case.close()
    committed = 0
    for round_no in range(8):
        big = tmp_path / f"big{round_no}.bin"
        with open(big, "wb") as f:  # distinct content each round, so nothing dedups
            f.write(os.urandom(64) + b"\0" * (size - 64))
        kill_at = rng.choice([0, size // 4, size // 2, size - 1, size])  # size: after the last chunk
        proc = _spawn(case_dir, big)
        assert proc.stdout is not None
        finished = False
        for line in proc.stdout:
            if line.startswith("DONE"):
                finished = True
                break
            done = int(line.split()[1])
            if done >= kill_at:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=120)
        with Case.open(case_dir, user=OFFICER, password=OFFICER_PW) as c:
            count = c.item_count()
            assert count in (committed, committed + 1)
            if finished:
                assert count == committed + 1
            committed = count
            report = c.verify(record=False)
            assert report.ok, [str(p) for p in report.problems]
            chk = c.check()
            assert chk.missing == []  # no row points at nothing
            for item in c.items():
                assert item.artifacts, f"{item.exhibit} has no artifacts"
    with Case.open(case_dir, user=OFFICER, password=OFFICER_PW) as c:
        c.check(clear=True)
        assert c.check().orphans == [] and c.check().temp_files == []
        assert c.verify(record=False).ok


def test_two_writers_never_fork_the_ledger(case: Case, case_dir: Path, tmp_path: Path) -> None:
    case.close()
    batches = []
    for w in range(2):
        files = []
        for i in range(12):
            f = tmp_path / f"w{w}-{i}.txt"
            f.write_text(f"writer {w} file {i}")
            files.append(f)
        batches.append(files)
    procs = [_spawn(case_dir, *files) for files in batches]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "DONE 12" in out
    with Case.open(case_dir, user=OFFICER, password=OFFICER_PW) as c:
        assert c.item_count() == 24
        exhibits = [i.exhibit for i in c.items()]
        assert len(set(exhibits)) == 24
        report = c.verify(record=False)
        assert report.ok, [str(p) for p in report.problems]
        seqs = [e.seq for e in c.events()]
        assert seqs == list(range(1, len(seqs) + 1))


POWER_LOSS_CHILD = textwrap.dedent("""
    import os, signal, sys
    from evidence_kit.core import db
    from evidence_kit.core.case import Case
    case = Case.open(sys.argv[1], user=sys.argv[2], password=sys.argv[3])
    case.conn.execute("PRAGMA wal_autocheckpoint = 0")  # everything stays in the WAL
    for f in sys.argv[4:]:
        assert case.ingest([f]).ok
    case.conn.execute("BEGIN IMMEDIATE")
    case.conn.execute("INSERT INTO items(id, exhibit, kind, captured_at, collector) "
                      "VALUES (999, 'HALF', 'file', 'x', 'x')")
    print("IN-TRANSACTION", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_power_loss_with_uncheckpointed_wal(case: Case, case_dir: Path, tmp_path: Path) -> None:
    """The process dies mid-transaction with every commit still only in the WAL; a copy of the
    folder taken at that moment (what the disk holds after a power cut) opens with every
    committed item and verifies clean; the half transaction is gone."""
    case.close()
    files = []
    for i in range(5):
        f = tmp_path / f"p{i}.txt"
        f.write_text(f"power {i}")
        files.append(f)
    proc = subprocess.run([sys.executable, "-c", POWER_LOSS_CHILD, str(case_dir), OFFICER, OFFICER_PW,
                           *map(str, files)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert "IN-TRANSACTION" in proc.stdout, proc.stderr
    assert (case_dir / "case.db-wal").stat().st_size > 0
    import shutil

    snapshot = tmp_path / "after-power-cut.ekcase"
    shutil.copytree(case_dir, snapshot)
    with Case.open(snapshot, user=OFFICER, password=OFFICER_PW) as c:
        assert c.item_count() == 5
        assert [i.title for i in c.items()] == [f.name for f in files]
        report = c.verify(record=False)
        assert report.ok, [str(p) for p in report.problems]


def test_second_process_reads_while_first_writes(case: Case, case_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("a")
    case.ingest([f])
    reader = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        from evidence_kit.core.case import Case
        with Case.open(sys.argv[1], user=sys.argv[2], password=sys.argv[3]) as c:
            print(c.item_count(), c.verify(record=False).ok)
    """), str(case_dir), OFFICER, OFFICER_PW], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert reader.stdout.split() == ["1", "True"], reader.stderr
    g = tmp_path / "b.txt"
    g.write_text("b")
    assert case.ingest([g]).ok and case.item_count() == 2
