from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QObject, QTimer, Signal

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.settings import Settings
from evidence_kit.gui.capture_dialog import CaptureUrlDialog, normalise_url
from evidence_kit.gui.main_window import MainWindow
from evidence_kit.gui.workers import TaskRegistry
from tests.webcapture_servers import site  # noqa: F401


class FakeJob(QObject):
    progress = Signal(int, int, str)
    finished = Signal(dict)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, outcome: str) -> None:
        super().__init__()
        self.outcome = outcome
        self.cancel_called = False

    def start(self) -> None:
        self.progress.emit(1, 4, "Fetching…")
        if self.outcome == "ok":
            QTimer.singleShot(0, lambda: self.finished.emit({"exhibit": "2026-SEOUL-0042-E0042"}))
        elif self.outcome == "fail":
            QTimer.singleShot(0, lambda: self.failed.emit("The host did not answer. / 호스트가 응답하지 않습니다."))

    def cancel(self) -> None:
        self.cancel_called = True
        QTimer.singleShot(0, self.cancelled.emit)


def _dialog(qtbot, case: Case, outcome: str) -> tuple[CaptureUrlDialog, list[FakeJob], TaskRegistry]:
    jobs: list[FakeJob] = []
    tasks = TaskRegistry()

    def factory(_case: Case, url: str, notes: str, tags: list[str], _parent: Any) -> FakeJob:
        job = FakeJob(outcome)
        job.args = (url, notes, tags)  # type: ignore[attr-defined]
        jobs.append(job)
        return job

    d = CaptureUrlDialog(case, tasks, job_factory=factory)
    qtbot.addWidget(d)
    d.show()
    return d, jobs, tasks


def test_normalise_url() -> None:
    assert normalise_url("example.org/a") == "https://example.org/a"
    assert normalise_url("  http://127.0.0.1:8080/x ") == "http://127.0.0.1:8080/x"
    for bad in ("", "javascript:alert(1)", "file:///etc/passwd", "https://", "http://a b/"):
        assert normalise_url(bad) is None, bad


def test_capture_url_dialog_success_failure_cancel(qtbot, case: Case) -> None:
    d, jobs, tasks = _dialog(qtbot, case, "ok")
    d.url.setText("ftp://nope")
    d.start()
    assert "http://" in d.status.text() and not jobs
    d.url.setText("t.me/s/somechannel")
    d.notes.setPlainText("seen at 10:02")
    d.tags.setText("channel, urgent")
    with qtbot.waitSignal(d.captured, timeout=5000):
        d.start()
    assert jobs[0].args == ("https://t.me/s/somechannel", "seen at 10:02", ["channel", "urgent"])  # type: ignore
    assert "E0042" in d.status.text() and d.show_button.isVisible()
    assert not tasks.running()

    d, jobs, _ = _dialog(qtbot, case, "fail")
    d.url.setText("https://127.0.0.1:1/")
    d.start()
    qtbot.waitUntil(lambda: d.job is None)
    assert "The host did not answer" in d.status.text()
    assert d.start_button.isEnabled()

    d, jobs, tasks = _dialog(qtbot, case, "hang")
    d.url.setText("https://example.org/")
    d.start()
    assert d.running and tasks.running()
    d.reject()  # Esc while running: cancels, keeps the dialog
    qtbot.waitUntil(lambda: d.job is None)
    assert jobs[0].cancel_called and "cancelled" in d.status.text()
    assert d.isVisible()


@pytest.mark.webengine
def test_capture_url_against_a_local_server(qtbot, case: Case, site) -> None:  # noqa: F811
    d = CaptureUrlDialog(case, TaskRegistry())
    qtbot.addWidget(d)
    assert d.job_factory is not None
    d.url.setText(site.url("/page.html"))
    d.tags.setText("gui")
    with qtbot.waitSignal(d.captured, timeout=120000) as blocker:
        d.start()
    exhibit = blocker.args[0]["exhibit"]
    item = case.item(exhibit)
    assert item.kind == "web" and item.tags == ["gui"]
    roles = {a.role for a in item.artifacts}
    assert {"warc", "screenshot"} <= roles
    assert case.events(item=exhibit)[0].action == ledger.CAPTURED
    assert exhibit[-5:] in d.status.text()


def test_main_window_opens_capture_dialogs(qtbot, case: Case, settings: Settings) -> None:
    w = MainWindow(case, settings)
    qtbot.addWidget(w)
    w.capture_url()
    assert w.capture_dialog.isVisible()
    w.screen_capture()
    assert w.screen_dialog.isVisible()
    w.capture_dialog._captured_item = None
    w.close()
