from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from evidence_kit.core.case import Case
from evidence_kit.core.settings import Settings
from evidence_kit.gui import i18n
from evidence_kit.gui.start_dialog import StartDialog
from tests.conftest import OFFICER, OFFICER_PW


def _dialog(qtbot, settings: Settings) -> StartDialog:
    d = StartDialog(settings)
    qtbot.addWidget(d)
    d.show()
    return d


def _wait_idle(qtbot, d: StartDialog) -> None:
    qtbot.waitUntil(lambda: d._task is None, timeout=20000)


def test_create_a_case(qtbot, tmp_path: Path, settings: Settings) -> None:
    d = _dialog(qtbot, settings)
    d.tabs.setCurrentIndex(1)
    d.c_number.setText("2026-BUSAN-0007")
    d.c_title.setText("Telegram deepfake room")
    d.c_offence.setText("성폭력처벌법 제14조의2")
    d.c_agency.setText("Busan Police")
    d.c_location.setText(str(tmp_path))
    d.c_user.setText("lee")
    d.c_full_name.setText("Lee Investigator")
    d.c_badge.setText("777")
    d.c_password.setText("a-long-password")
    d.c_password2.setText("a-long-password")
    with qtbot.waitSignal(d.opened, timeout=20000) as blocker:
        qtbot.mouseClick(d.create_button, Qt.MouseButton.LeftButton)
    case: Case = blocker.args[0]
    try:
        assert case.info.number == "2026-BUSAN-0007"
        assert case.info.offence == "성폭력처벌법 제14조의2"
        assert case.user.full_name == "Lee Investigator" and case.user.badge == "777"
        assert case.path == tmp_path / "2026-BUSAN-0007.ekcase"
        assert str(case.path) in Settings.load().recent_cases
        assert d.result() == d.DialogCode.Accepted
    finally:
        case.close()


def test_create_refuses_mismatched_or_missing_fields(qtbot, tmp_path: Path, settings: Settings) -> None:
    d = _dialog(qtbot, settings)
    d.c_location.setText(str(tmp_path))
    d.create_case()
    assert d.error.isVisibleTo(d) and "Fill in" in d.error.text()
    d.c_number.setText("N-1")
    d.c_title.setText("T")
    d.c_user.setText("u")
    d.c_password.setText("password-1")
    d.c_password2.setText("password-2")
    d.create_case()
    assert "differ" in d.error.text()
    assert d._task is None and not list(tmp_path.iterdir())
    d.c_password.setText("short")
    d.c_password2.setText("short")
    d.create_case()
    _wait_idle(qtbot, d)
    assert "at least 8" in d.error.text()
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")]


def test_unlock_right_and_wrong_password(qtbot, case: Case, settings: Settings) -> None:
    path = case.path
    case.close()
    settings.add_recent_case(str(path))
    d = _dialog(qtbot, settings)
    assert d.path.text() == str(path)  # the most recent case is preselected
    d.user.setText(OFFICER)
    d.password.setText("wrong-password")
    qtbot.mouseClick(d.unlock_button, Qt.MouseButton.LeftButton)
    assert d.busy.isVisibleTo(d)  # unlocking runs in the background: the window still answers
    _wait_idle(qtbot, d)
    assert "Wrong user name or password" in d.error.text()
    assert d.password.text() == "" and d.case is None
    d.password.setText(OFFICER_PW)
    with qtbot.waitSignal(d.opened, timeout=20000) as blocker:
        d.password.returnPressed.emit()
    opened: Case = blocker.args[0]
    try:
        assert opened.user.name == OFFICER
        assert opened.item_count() == 0
    finally:
        opened.close()


def test_unlock_errors_are_plain(qtbot, tmp_path: Path, case: Case, settings: Settings) -> None:
    d = _dialog(qtbot, settings)
    d.unlock()
    assert "Choose a case folder" in d.error.text()
    d.path.setText(str(tmp_path / "nowhere"))
    d.unlock()
    assert "user name and password" in d.error.text()
    d.user.setText(OFFICER)
    d.password.setText(OFFICER_PW)
    d.unlock()
    _wait_idle(qtbot, d)
    assert "not an Evidence Kit case" in d.error.text()
    plain = tmp_path / "plain"
    plain.mkdir()
    d.path.setText(str(plain))
    d.password.setText(OFFICER_PW)
    d.unlock()
    _wait_idle(qtbot, d)
    assert "not an Evidence Kit case" in d.error.text()
    # A case written by a newer Evidence Kit
    case.conn.execute("INSERT INTO schema_migrations(name) VALUES ('9999_from_the_future')")
    path = case.path
    case.close()
    d.path.setText(str(path))
    d.password.setText(OFFICER_PW)
    d.unlock()
    _wait_idle(qtbot, d)
    assert "newer version" in d.error.text()
    i18n.set_language("ko")
    assert "더 새로운 버전" in i18n.error_text("newer version of Evidence Kit. / 더 새로운 버전입니다.")


def test_language_switch_in_the_start_dialog(qtbot, settings: Settings) -> None:
    d = _dialog(qtbot, settings)
    assert d.unlock_button.text() == "Unlock"
    d.language.setCurrentIndex(d.language.findData("ko"))
    assert d.unlock_button.text() == "잠금 해제"
    assert d.windowTitle().startswith("Evidence Kit: 사건")
    assert Settings.load().language == "ko"


@pytest.mark.parametrize("closing", [True])
def test_cannot_close_while_unlocking(qtbot, case: Case, settings: Settings, closing: bool) -> None:
    path = case.path
    case.close()
    d = _dialog(qtbot, settings)
    d.path.setText(str(path))
    d.user.setText(OFFICER)
    d.password.setText(OFFICER_PW)
    with qtbot.waitSignal(d.opened, timeout=20000) as blocker:
        d.unlock()
        d.reject()  # ignored while the worker runs: no orphaned thread, no half-open case
        assert d.isVisible()
    blocker.args[0].close()
