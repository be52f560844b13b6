"""The Requests tab, offscreen: list, PDF preview, draft dialog with missing-field feedback, status
updates, deadlines, statistics chart and CSV export, language switch."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.requests import RequestSpec, draft_request, get_request, list_requests, update_request
from tests.core.requests_helpers import FIELDS, add_sample

pytest.importorskip("pytestqt")
from evidence_kit.gui.requests_tab import STRINGS, RequestsTab


@pytest.fixture
def filled(case: Case) -> Case:
    add_sample(case, "x")
    add_sample(case, "x", seed=1)
    add_sample(case, "telegram", seed=2)
    today = date.today()
    r1 = draft_request(case, RequestSpec("x", "preservation", ["E0001", "E0002"], fields=FIELDS),
                       on=today - timedelta(days=86))
    update_request(case, r1.id, "sent", on=today - timedelta(days=86), channel="portal")
    r2 = draft_request(case, RequestSpec("telegram", "removal", ["E0003"], lang="en", fields=FIELDS),
                       on=today - timedelta(days=10))
    update_request(case, r2.id, "sent", on=today - timedelta(days=9))
    update_request(case, r2.id, "answered", on=today - timedelta(days=4))
    return case


def test_every_string_has_both_languages() -> None:
    for key, (en, ko) in STRINGS.items():
        assert en.strip() and ko.strip(), key
        assert en.count("{") == ko.count("{"), key


def test_list_preview_deadlines_and_statistics(qtbot, filled: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tab = RequestsTab(filled, lang="en")
    qtbot.addWidget(tab)
    tab.resize(1400, 850)
    tab.show()
    assert tab.model.rowCount() == 2
    assert tab.model.data(tab.model.index(0, 1)) == "Sent"
    # the X preservation expires in 4 days: its extension was due 3 days ago
    assert tab.model.data(tab.model.index(0, 2)).endswith("extend preservation")
    assert tab.model.data(tab.model.index(0, 2)).startswith((date.today() - timedelta(days=3)).isoformat())
    assert "1 overdue" in tab.due_banner.text()
    assert tab.due_table.rowCount() == 1 and "Send a preservation extension" in tab.due_table.item(0, 4).text()
    assert not tab.update_button.isEnabled()
    tab.tabs.setCurrentIndex(1)
    tab.due_table.cellDoubleClicked.emit(0, 0)  # a deadline opens its request
    assert tab.tabs.currentIndex() == 0 and tab.selected_id() == 1
    tab.table.clearSelection()
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: tab.pdf_page_count() >= 1, timeout=5000)
    assert "legalrequests.x.com" in tab.details.toPlainText()
    assert tab.update_button.isEnabled()
    # statistics: table, chart and CSV
    assert tab.stats_table.rowCount() == 3  # telegram/removal, x/preservation, total
    assert tab.stats_table.item(0, 4).text() == "1" and tab.stats_table.item(0, 7).text() == "5"
    assert tab.chart is not None and tab.chart.objectName() == "requestsChart"
    csv_path = tab.export_csv(str(tmp_path / "stats.csv"))
    assert csv_path is not None and "telegram,removal,1,1,1,0,0,5" in csv_path.read_text("utf-8-sig")
    files = tab.save_files(str(tmp_path / "letters"))
    assert sorted(p.suffix for p in files) == [".docx", ".pdf", ".txt"]
    assert tab.save_files(str(tmp_path / "letters")) == [] and "already exists" in tab.message.text()


def test_draft_dialog_shows_missing_fields_then_drafts(qtbot, case: Case) -> None:  # type: ignore[no-untyped-def]
    add_sample(case, "x")
    add_sample(case, "tiktok", seed=1)
    tab = RequestsTab(case, lang="en")
    qtbot.addWidget(tab)
    assert tab.model.rowCount() == 0 and not tab.empty_label.isHidden()
    dlg = tab.open_draft_dialog()
    dlg.set_platform("x")
    assert dlg.item_list.count() == 1  # only X items are offered
    dlg.set_type("disclosure_content")
    assert "Items" in dlg.status.text() and not dlg.create_button.isEnabled()
    dlg.set_items_checked(["E0001"])
    text = dlg.status.text()
    assert text.startswith("Missing:")
    for key in ("officer_email", "officer_phone", "summary", "legal_articles", "legal_process", "date_from"):
        from evidence_kit.core.requests import field_label

        assert field_label(key, "en") in text
    assert dlg.labels["legal_process"].text().endswith("*")
    assert "https://legalrequests.x.com" in dlg.send_to.text()
    for key, value in FIELDS.items():
        dlg.set_field(key, value)
    dlg.set_field("officer_email", "nope")
    assert "not an e-mail address" in dlg.status.text() and not dlg.create_button.isEnabled()
    dlg.set_field("officer_email", FIELDS["officer_email"])
    assert dlg.create_button.isEnabled() and dlg.status.text().startswith("Ready")
    with qtbot.waitSignal(dlg.preview_ready, timeout=20000) as preview:
        assert dlg.render_preview()
    assert preview.args[0].startswith(b"%PDF")
    qtbot.waitUntil(lambda: dlg.preview_pages() >= 1, timeout=5000)
    assert list_requests(case) == []  # a preview stores nothing
    with qtbot.waitSignal(tab.changed, timeout=20000):
        dlg.accept()
    [req] = list_requests(case)
    assert req.type == "disclosure_content" and req.exhibits == ["2026-SEOUL-0042-E0001"]
    assert tab.model.rowCount() == 1 and tab.selected_id() == req.id
    assert "drafted" in tab.message.text()
    assert case.events(action=ledger.REQUEST_DRAFTED)[-1].details["request"] == req.reference


def test_status_dialog_records_changes_and_refuses_bad_ones(qtbot, filled: Case) -> None:  # type: ignore[no-untyped-def]
    tab = RequestsTab(filled, lang="en")
    qtbot.addWidget(tab)
    assert tab.open_status_dialog() is None and "Select a request" in tab.message.text()
    tab.table.selectRow(0)
    dlg = tab.open_status_dialog()
    assert dlg is not None
    options = [dlg.status_box.itemData(i) for i in range(dlg.status_box.count())]
    assert "extended" in options and "sent" not in options
    dlg.set_status("acknowledged")
    dlg.set_date(date.today() + timedelta(days=3))
    dlg.accept()
    assert "future" in dlg.error.text() and dlg.isVisible()
    dlg.set_date(date.today())
    dlg.reference.setText("X-LRS-9")
    with qtbot.waitSignal(tab.changed, timeout=5000):
        dlg.accept()
    req = get_request(filled, "R001")
    assert req.status == "acknowledged" and req.platform_reference == "X-LRS-9"
    assert tab.model.data(tab.model.index(0, 1)) == "Acknowledged"
    tab.table.selectRow(1)
    closed = tab.open_status_dialog()
    assert closed is not None and closed.status_box.count() == 2  # answered telegram: expired or extended
    closed.reject()


def test_language_follows_the_argument(qtbot, filled: Case) -> None:  # type: ignore[no-untyped-def]
    tab = RequestsTab(filled, lang="ko")
    qtbot.addWidget(tab)
    assert tab.new_button.text() == "새 요청…"
    assert tab.model.headerData(0, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.Orientation.Horizontal) == \
        "문서번호"
    assert tab.model.data(tab.model.index(0, 1)) == "발송됨"
    tab.set_language("en")
    assert tab.new_button.text() == "New request…" and tab.tabs.tabText(2) == "Statistics"
    assert tab.model.data(tab.model.index(0, 1)) == "Sent"


def test_a_failed_draft_keeps_the_dialog_open_with_the_reason(qtbot, case: Case,  # type: ignore[no-untyped-def]
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from evidence_kit.core.errors import CaseBusyError
    from evidence_kit.gui import requests_tab

    add_sample(case, "telegram")
    tab = RequestsTab(case, lang="ko")
    qtbot.addWidget(tab)
    dlg = tab.open_draft_dialog("telegram", ["E0001"])
    assert dlg.platform_id() == "telegram" and dlg.checked_items() == ["2026-SEOUL-0042-E0001"]
    dlg.set_type("preservation")
    for key, value in FIELDS.items():
        dlg.set_field(key, value)
    assert dlg.create_button.isEnabled()

    def busy(*args: object, **kwargs: object) -> None:
        raise CaseBusyError("Another program is writing to this case; try again in a moment. / "
                            "다른 프로그램이 이 사건에 쓰는 중입니다.")

    monkeypatch.setattr(requests_tab, "draft_request", busy)
    dlg.accept()
    qtbot.waitUntil(lambda: "다른 프로그램" in dlg.status.text(), timeout=10000)
    assert dlg.isVisible() and dlg.platform_box.isEnabled() and list_requests(case) == []
    dlg.reject()


def test_readers_cannot_draft_or_update(qtbot, filled: Case, case_dir: Path) -> None:  # type: ignore[no-untyped-def]
    filled.add_user("park", "auditor-pw-1", "auditor")
    with Case.open(case_dir, user="park", password="auditor-pw-1") as auditor:
        tab = RequestsTab(auditor, lang="en")
        qtbot.addWidget(tab)
        assert tab.model.rowCount() == 2
        tab.table.selectRow(0)
        assert not tab.new_button.isEnabled() and not tab.update_button.isEnabled()
        assert tab.save_button.isEnabled()
        tab.close()


def test_draft_dialog_cites_telegram_messages(qtbot, case: Case) -> None:  # type: ignore[no-untyped-def]
    from evidence_kit.core.telegram.importer import ImportOptions, import_telegram

    fixture = Path(__file__).parents[1] / "fixtures/telegram/tg2md_private_channel"
    import_telegram(case, fixture, options=ImportOptions(public_names={"": "deepfake_room"}))
    add_sample(case, "x", seed=4)
    tab = RequestsTab(case, lang="en")
    qtbot.addWidget(tab)
    dlg = tab.open_draft_dialog("x")
    assert dlg.messages_edit.isHidden()  # only Telegram (and KCSC) requests cite chat messages
    dlg.set_platform("telegram")
    assert not dlg.messages_edit.isHidden()
    dlg.set_type("preservation")
    dlg.set_items_checked(["E0001"])
    for key, value in FIELDS.items():
        dlg.set_field(key, value)
    dlg.messages_edit.setText("E0001 12")
    assert "Cite messages as" in dlg.status.text() and not dlg.create_button.isEnabled()
    dlg.messages_edit.setText("E0001: 2, 3")
    assert dlg.create_button.isEnabled(), dlg.status.text()
    with qtbot.waitSignal(tab.changed, timeout=20000):
        dlg.accept()
    [req] = list_requests(case)
    assert [m["id"] for m in req.items[0]["messages"]] == ["2", "3"]
