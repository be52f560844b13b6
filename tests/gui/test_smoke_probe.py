"""The start-up probe of packaged builds (evidence_kit/gui/smoke.py), run in child processes the
way packaging/smoke-test.sh runs the frozen app: a real event loop, real windows, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from evidence_kit.gui import smoke

# A stand-in for run_gui: a start dialog first, then the main window once the dialog is painted.
APP = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QEvent, QObject, QTimer, Signal
    from PySide6.QtWidgets import QApplication, QDialog, QMainWindow
    from evidence_kit.gui import smoke

    class MainWindow(QMainWindow):
        pass

    class StartDialog(QDialog):
        opened = Signal(object)  # what run_gui listens to: the unlocked case

        def event(self, e):
            if e.type() == QEvent.Type.Paint and MODE == "dialog-then-main":
                QTimer.singleShot(0, main.show)
            return super().event(e)

    MODE = sys.argv[1]
    app = QApplication(sys.argv[:1])
    smoke.install(app)
    smoke.install(app)  # a second call must not arm a second probe
    main = MainWindow()
    main.setWindowTitle("Evidence Kit")
    dialog = StartDialog()
    dialog.setWindowTitle("Open a case")

    def opened(case):
        main.setWindowTitle("Evidence Kit - " + case.info.number)
        dialog.hide()
        main.show()

    dialog.opened.connect(opened)
    dialog.show()
    if MODE == "nothing":
        dialog.hide()
    code = app.exec()
    print("exec returned", code, "visible windows:", sum(w.isVisible() for w in app.topLevelWidgets()))
    sys.exit(code)
""")


def run_app(tmp_path: Path, mode: str, **env: str) -> tuple[subprocess.CompletedProcess[str], dict | None]:
    script = tmp_path / "app.py"
    script.write_text(APP, "utf-8")
    report = tmp_path / "report.json"
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", smoke.ENV_REPORT: str(report), **env}
    proc = subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, env=full_env,
                          timeout=120)
    data = json.loads(report.read_text("utf-8")) if report.exists() else None
    return proc, data


def test_waits_for_the_main_window_and_quits_cleanly(tmp_path: Path) -> None:
    t0 = time.time_ns()
    shot = tmp_path / "main.png"
    proc, report = run_app(tmp_path, "dialog-then-main", **{smoke.ENV_SWITCH: "1", smoke.ENV_T0: str(t0),
                                                             smoke.ENV_SCREENSHOT: str(shot)})
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("evidence-kit smoke:")]
    assert len(lines) == 2, proc.stdout  # armed once, reported once
    assert lines[0].startswith("evidence-kit smoke: first window StartDialog after ")
    assert lines[1].startswith("evidence-kit smoke: MainWindow shown after ")
    assert lines[1].endswith("ms (since launch)")
    assert "exec returned 0 visible windows: 0" in proc.stdout  # every window was closed
    assert report is not None
    assert report["ok"] == 1 and report["window"] == "MainWindow" and report["title"] == "Evidence Kit"
    assert 0 < report["shown_ms"] <= (time.time_ns() - t0) // 1_000_000
    assert shot.read_bytes().startswith(b"\x89PNG")  # what the main window showed


def test_any_window_and_class_name_selectors(tmp_path: Path) -> None:
    proc, report = run_app(tmp_path, "dialog-only", **{smoke.ENV_SWITCH: "any"})
    assert proc.returncode == 0, proc.stderr
    assert report is not None and report["window"] == "StartDialog"

    proc, report = run_app(tmp_path, "dialog-then-main", **{smoke.ENV_SWITCH: "QDialog"})
    assert proc.returncode == 0, proc.stderr
    assert report is not None and report["window"] == "StartDialog"  # matched through its base class


def test_gives_up_with_exit_code_3_when_no_main_window_shows(tmp_path: Path) -> None:
    proc, report = run_app(tmp_path, "dialog-only", **{smoke.ENV_SWITCH: "1", smoke.ENV_TIMEOUT: "1"})
    assert proc.returncode == smoke.EXIT_TIMEOUT
    assert "evidence-kit smoke: no main window was shown in time" in proc.stderr
    assert report is not None and report["ok"] == 0 and report["shown_ms"] == -1


def test_without_the_switch_nothing_is_armed(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(smoke.ENV_SWITCH, raising=False)
    smoke.install(qapp)
    assert getattr(qapp, "_evidence_kit_smoke", None) is None
    monkeypatch.setenv(smoke.ENV_SWITCH, "0")
    smoke.install(qapp)
    assert getattr(qapp, "_evidence_kit_smoke", None) is None


def test_opens_the_case_through_the_start_window(tmp_path: Path) -> None:
    from evidence_kit.core.case import Case

    case_dir = tmp_path / "smoke.ekcase"
    Case.create(case_dir, number="SMOKE-0001", title="t", user="kim", password="smoke-pass-1").close()
    env = {smoke.ENV_SWITCH: "1", smoke.ENV_CASE: str(case_dir), "EVIDENCE_KIT_USER": "kim"}
    proc, report = run_app(tmp_path, "start-flow", **env, EVIDENCE_KIT_PASSWORD="smoke-pass-1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report is not None
    assert report["window"] == "MainWindow" and report["title"] == "Evidence Kit - SMOKE-0001"
    assert report["first_window"] == "StartDialog" and report["first_window_ms"] <= report["shown_ms"]
    assert "evidence-kit smoke: first window StartDialog after " in proc.stdout

    proc, report = run_app(tmp_path, "start-flow", **env, EVIDENCE_KIT_PASSWORD="wrong-password")
    assert proc.returncode == smoke.EXIT_CASE_FAILED
    assert "evidence-kit smoke: could not open the case: Wrong user name or password." in proc.stderr
    assert report is not None and report["ok"] == 0


def test_process_start_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(smoke.ENV_T0, "1234")
    assert smoke.process_start_ns() == (1234, "since launch")
    monkeypatch.setenv(smoke.ENV_T0, "not-a-number")
    started, basis = smoke.process_start_ns()
    assert started <= time.time_ns()
    if sys.platform.startswith("linux"):
        assert basis == "since process start"
        # This test process started before the test ran, and not days ago.
        assert time.time_ns() - started < 24 * 3600 * 10**9
