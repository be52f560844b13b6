from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from evidence_kit.core import ledger, listing
from evidence_kit.core.case import Case
from evidence_kit.core.settings import Settings
from evidence_kit.gui.custody_view import COLUMNS, CustodyView
from evidence_kit.gui.main_window import MainWindow
from evidence_kit.gui.workers import TaskRegistry


def test_ledger_model_and_filters(qtbot, populated: Case) -> None:
    populated.set_notes("E0002", "note")
    view = CustodyView(populated, TaskRegistry())
    qtbot.addWidget(view)
    m = view.model
    total = len(populated.events())
    assert m.rowCount() == total == 11
    assert m.data(m.index(0, COLUMNS.index("action"))) == "Case created"
    assert m.data(m.index(1, COLUMNS.index("item"))) == "E0001"
    assert m.data(m.index(1, COLUMNS.index("item")), Qt.ItemDataRole.ToolTipRole).endswith("-E0001")
    view.item_filter.setText("E0002")
    view.apply_filter()
    assert m.rowCount() == 2
    assert "2 events" in view.count.text()
    view.item_filter.clear()
    view.action_filter.setCurrentIndex(view.action_filter.findData(ledger.ANNOTATED))
    assert m.rowCount() == 1
    view.action_filter.setCurrentIndex(0)
    view.actor_filter.setCurrentIndex(view.actor_filter.findData("kim"))
    assert m.rowCount() == total


def test_event_index_without_a_list_for_a_healthy_ledger(populated: Case) -> None:
    index = listing.EventIndex(populated)
    assert index._seqs is None and len(index) == 10  # no list built: row = seq - 1
    assert index.seq(0) == 1 and index.row_of(10) == 9 and index.row_of(11) == -1
    filtered = listing.EventIndex(populated, listing.EventFilter(action=ledger.IMPORTED))
    assert filtered._seqs is not None and len(filtered) == 9 and filtered.row_of(1) == -1
    rows = listing.event_rows(populated, index.seqs(0, 5))
    assert sorted(rows) == [1, 2, 3, 4, 5] and rows[1].action == ledger.CASE_CREATED


def test_verify_now_ok_then_tampered(qtbot, populated: Case, settings: Settings) -> None:
    w = MainWindow(populated, settings)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.custody.verified, timeout=30000):
        w.verify_now()
    assert w.custody.last_report is not None and w.custody.last_report.ok
    assert "Everything checks out" in w.custody.result.text()
    assert "intact" in w.status_verify.text()
    assert w.custody.model.rowCount() == len(populated.events())  # the verification is logged
    # Tamper with one stored object: flip a byte in the encrypted file of E0003
    art = populated.item("E0003").artifacts[0]
    path: Path = populated.objects.path_for(art.object)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with qtbot.waitSignal(w.custody.verified, timeout=30000):
        w.custody.verify_now()
    report = w.custody.last_report
    assert report is not None and not report.ok
    assert "FAILED" in w.custody.result.text()
    texts = [w.custody.problems.item(i).text() for i in range(w.custody.problems.count())]
    assert any("E0003" in t and art.name in t for t in texts), texts
    assert "1 problems" in w.status_verify.text() or "problems" in w.status_verify.text()
    # choosing the problem filters the log to that exhibit
    w.custody._problem_chosen(w.custody.problems.item(0))
    assert w.custody.model.rowCount() >= 1
    assert all(w.custody.model.data(w.custody.model.index(r, COLUMNS.index("item"))) == "E0003"
               for r in range(w.custody.model.rowCount()))


def test_verify_names_an_edited_event(qtbot, populated: Case) -> None:
    # Edit an event behind the ledger's back (drop the append-only trigger, as an attacker would)
    populated.conn.execute("DROP TRIGGER ledger_no_update")
    populated.conn.execute("UPDATE ledger SET actor = 'mallory' WHERE seq = 4")
    view = CustodyView(populated, TaskRegistry())
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.verified, timeout=30000):
        view.verify_now()
    assert view.last_report is not None and not view.last_report.ok
    assert 4 in view.model.failing
    texts = [view.problems.item(i).text() for i in range(view.problems.count())]
    assert any(t.startswith("event #4") for t in texts), texts
    view._problem_chosen(view.problems.item(0))
    assert view.table.selectionModel().selectedRows()[0].row() == view.model.row_of(4)


def test_cancel_verification(qtbot, populated: Case) -> None:
    view = CustodyView(populated, TaskRegistry())
    qtbot.addWidget(view)
    view.verify_now()
    assert view.task is not None
    view.task.progress.connect(lambda *_: view.cancel_verify())
    view.cancel_verify()
    qtbot.waitUntil(lambda: view.task is None, timeout=30000)
    assert "cancelled" in view.result.text() or "checks out" in view.result.text()
