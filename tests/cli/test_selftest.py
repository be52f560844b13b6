"""`evidence-kit selftest`: what IT staff run after installing, and what the packaged build's
smoke test runs first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence_kit.core.case import Case
from evidence_kit.core.errors import StorageFullError

Cli = Callable[..., tuple[int, str, str]]


def checks_by_name(out: str) -> dict[str, dict]:
    data = json.loads(out)
    return {c["check"]: c for c in data["checks"]}


def test_passes_on_a_working_install(cli: Cli) -> None:
    code, out, err = cli("selftest", "--no-webengine", "--json", user=None, password=None)
    assert code == 0, out + err
    checks = checks_by_name(out)
    assert set(checks) == {"version", "resources", "case store", "report PDF"}
    assert all(c["ok"] for c in checks.values())
    assert {"icons", "fonts"} <= set(checks["resources"]["present"])
    assert checks["report PDF"]["pdf_bytes"] > 1000
    assert checks["case store"]["unlock_ms"] >= 0


def test_plain_text_report(cli: Cli) -> None:
    code, out, _ = cli("selftest", "--no-webengine", user=None, password=None)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("ok   version: evidence-kit ")
    assert any(line.startswith("ok   case store: created, ingested, reopened and verified") for line in lines)
    assert lines[-1] == "All checks passed. / 모든 점검을 통과했습니다."


def test_missing_resources_fail(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evidence_kit.core.export.report as report

    monkeypatch.setattr(report, "_fonts_ready", False)  # so the font is looked up again
    missing = tmp_path / "nowhere"
    code, out, _ = cli("selftest", "--no-webengine", "--json", env={"EVIDENCE_KIT_RESOURCES": str(missing)})
    assert code == 1
    checks = checks_by_name(out)
    assert checks["resources"]["ok"] is False and str(missing) in checks["resources"]["message"]
    assert checks["report PDF"]["ok"] is False
    assert "The report font" in checks["report PDF"]["message"]


def test_a_broken_case_store_is_reported_not_raised(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: object, **kwargs: object) -> Case:
        raise StorageFullError("The disk is full. / 디스크가 가득 찼습니다.")

    monkeypatch.setattr(Case, "create", disk_full)
    code, out, _ = cli("selftest", "--no-webengine")
    assert code == 1
    assert "FAIL case store: StorageFullError: The disk is full." in out
    assert out.splitlines()[-1] == "Some checks failed. / 일부 점검에 실패했습니다."


def test_leaves_nothing_behind(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    code, _, _ = cli("selftest", "--no-webengine")
    assert code == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.webengine
def test_web_rendering_in_a_fresh_process(tmp_path: Path) -> None:
    """QtWebEngine needs its own process here: it must be set up before any QApplication exists."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EVIDENCE_KIT_HOME": str(tmp_path)}
    env["QTWEBENGINE_CHROMIUM_FLAGS"] = (env.get("QTWEBENGINE_CHROMIUM_FLAGS", "") + " --no-sandbox").strip()
    proc = subprocess.run([sys.executable, "-m", "evidence_kit", "selftest", "--json"], capture_output=True,
                          text=True, env=env, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    web = checks_by_name(proc.stdout)["web rendering"]
    assert web["ok"] is True, web
    assert web["pdf_bytes"] > 1000 and web["qt_version"].startswith("6.")
