"""packaging/smoke-test.sh, run against the source tree (a wrapper around `python -m evidence_kit`
stands in for the frozen binary), so the script keeps up with the CLI between packaged builds;
and against a broken binary, whose every failure it must report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import evidence_kit

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "smoke-test.sh"


def wrapper(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "evidence-kit"
    path.write_text(f"#!/bin/sh\n{body}\n", "utf-8")
    path.chmod(0o755)
    return path


def run_smoke(binary: Path, tmp_path: Path, version: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    results = tmp_path / "results.json"
    env = {**os.environ, "SMOKE_RESULTS": str(results), "SMOKE_GUI_RUNS": "1",
           "SMOKE_SCREENSHOT": str(tmp_path / "main.png"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["bash", str(SCRIPT), str(binary), version], capture_output=True, text=True,
                          env=env, timeout=900)
    return proc, json.loads(results.read_text("utf-8"))


@pytest.mark.slow
@pytest.mark.webengine
def test_smoke_script_passes_on_the_source_tree(tmp_path: Path) -> None:
    binary = wrapper(tmp_path, f'exec "{sys.executable}" -m evidence_kit "$@"')
    proc, results = run_smoke(binary, tmp_path, evidence_kit.__version__)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert results["failed"] == 0
    steps = {s["step"]: s["result"] for s in results["steps"]}
    for step in ("--version", "selftest", "case init", "ingest", "list", "case verify", "wrong password",
                 "capture", "export", "verify bundle", "verify tampered bundle"):
        assert steps.get(step) == "pass", (step, proc.stdout)
    if steps["GUI start"] == "pass":
        assert results["gui_main_window_ms"] >= results["gui_first_window_ms"] > 0
        assert (tmp_path / "main.png").read_bytes().startswith(b"\x89PNG")
    else:
        assert steps["GUI start"] == "skip"  # only while the desktop application is not built


def test_smoke_script_reports_a_broken_binary(tmp_path: Path) -> None:
    # Wrong version, and every command dies with a traceback, as a build missing a module would.
    binary = wrapper(tmp_path, '''
case "$1" in
  --version) echo "evidence-kit 0.0.0-wrong" ;;
  *) echo 'Traceback (most recent call last):' >&2; echo "ModuleNotFoundError: No module named 'x'" >&2; exit 1 ;;
esac''')
    proc, results = run_smoke(binary, tmp_path, evidence_kit.__version__)
    assert proc.returncode != 0
    assert "FAIL  --version: printed 'evidence-kit 0.0.0-wrong'" in proc.stdout
    assert "FAIL  selftest: a Python traceback reached the user" in proc.stdout
    assert "FAIL  case init: a Python traceback reached the user" in proc.stdout
    assert results["failed"] >= 5 and results["passed"] == 0
