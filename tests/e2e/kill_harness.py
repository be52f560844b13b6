"""Run one long operation in a child process and SIGKILL it at a chosen point.

The child prints `P <done> <total>` for each progress report and `DONE` at the end; the
parent kills it after a given number of progress lines (0 = as soon as it started working).
Used by the reliability tests for ingest, capture, export and verify.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys
    from evidence_kit.core.case import Case

    def progress(done, total, msg=""):
        print(f"P {done} {total}", flush=True)

    case = Case.open(sys.argv[1], user=sys.argv[2], password=sys.argv[3])
    op, args = sys.argv[4], sys.argv[5:]
    print("STARTED", flush=True)
    if op == "ingest":
        case.ingest(args, progress=progress)
    elif op == "verify":
        case.verify(progress=progress)
    elif op == "export":
        from evidence_kit.core.export.bundle import export_bundle
        export_bundle(case, None, args[0], lang="en", progress=progress)
    elif op == "capture":
        from evidence_kit.render.webcapture import capture_url
        capture_url(case, args[0], progress=progress)
    else:
        raise SystemExit(f"unknown operation {op}")
    print("DONE", flush=True)
""")


@dataclass
class KillOutcome:
    killed: bool       # False: the operation finished before the kill point
    lines_seen: int
    stderr: str


def run_and_kill(case_dir: Path, user: str, password: str, op: str, args: list[str], kill_after: int,
                 timeout: float = 300) -> KillOutcome:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(case_dir), user, password, op, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    seen = -1
    killed = False
    for line in proc.stdout:
        if line.startswith("DONE"):
            break
        if line.startswith(("STARTED", "P ")):
            seen += 1
            if seen >= kill_after:
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if not killed and proc.returncode != 0:
        raise AssertionError(f"{op} failed without being killed: {err[-2000:]}")
    return KillOutcome(killed, seen, err)
