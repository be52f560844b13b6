from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.roles import Role
from evidence_kit.core.settings import Settings
from evidence_kit.gui import i18n
from evidence_kit.gui.evidence_model import COLUMNS, ExhibitRole
from evidence_kit.gui.main_window import MainWindow
from tests.conftest import CASE_NUMBER


@pytest.fixture
def window(qtbot, populated: Case, settings: Settings) -> MainWindow:
    w = MainWindow(populated, settings)
    qtbot.addWidget(w)
    w.show()
    return w


def _exhibits(w: MainWindow) -> list[str]:
    m = w.evidence.model
    return [m.data(m.index(r, 0), ExhibitRole) for r in range(m.rowCount())]


def test_table_shows_items_sorts_and_filters(qtbot, window: MainWindow) -> None:
    m = window.evidence.model
    assert m.rowCount() == 9 and m.columnCount() == len(COLUMNS)
    assert m.data(m.index(0, 0)) == "E0001"
    assert m.data(m.index(0, 0), Qt.ItemDataRole.ToolTipRole) == f"{CASE_NUMBER}-E0001"
    assert m.data(m.index(0, COLUMNS.index("kind"))) == "File"
    assert m.data(m.index(0, COLUMNS.index("sha256"))).endswith("…")
    assert "#exif" in m.data(m.index(0, COLUMNS.index("flags")))
    # sort by title, descending
    window.evidence.table.sortByColumn(COLUMNS.index("title"), Qt.SortOrder.DescendingOrder)
    titles = [m.data(m.index(r, COLUMNS.index("title"))) for r in range(m.rowCount())]
    assert titles == sorted(titles, reverse=True)
    # search (debounced) by part of a file name
    window.evidence.search.setText("pillow")
    qtbot.waitUntil(lambda: m.rowCount() == 4)
    window.evidence.search.setText("no such thing")
    qtbot.waitUntil(lambda: m.rowCount() == 0)
    window.evidence.search.setText("")
    qtbot.waitUntil(lambda: m.rowCount() == 9)
    # "%" and "_" are literal in a search
    window.evidence.search.setText("%")
    qtbot.waitUntil(lambda: m.rowCount() == 0)
    window.evidence.search.clear()
    qtbot.waitUntil(lambda: m.rowCount() == 9)
    # kind and tag filters
    kind = window.evidence.kind_filter
    kind.setCurrentIndex(kind.findData("screen"))
    assert m.rowCount() == 0
    kind.setCurrentIndex(kind.findData("file"))
    assert m.rowCount() == 9
    populated = window.case
    populated.set_tags("E0003", ["urgent"])
    window.evidence.refresh()
    tag = window.evidence.tag_filter
    tag.setCurrentIndex(tag.findData("urgent"))
    assert _exhibits(window) == [f"{CASE_NUMBER}-E0003"]


def test_detail_pane_notes_tags_and_hashes(qtbot, window: MainWindow) -> None:
    window.evidence.select_item(4)
    detail = window.evidence.detail
    assert detail.item is not None and detail.item.exhibit.endswith("E0004")
    assert detail.artifacts.rowCount() == 1
    sha = detail.item.artifacts[0].sha256
    assert detail.artifacts.item(0, 4).text() == sha
    detail.copy_selected_hashes()
    assert QGuiApplication.clipboard().text().startswith(sha)
    html = detail.details.toHtml()
    assert "Acquisition" in html and "Kim Officer 12345" in detail.details.toPlainText()
    # notes and tags are saved and logged
    detail.notes.setPlainText("Posted in the channel on 3 March.")
    detail.tags.setText("channel-A, urgent")
    detail.save_notes()
    item = window.case.item(4)
    assert item.notes == "Posted in the channel on 3 March." and item.tags == ["channel-A", "urgent"]
    actions = [e.action for e in window.case.events(item=item.exhibit)]
    assert actions[-2:] == [ledger.ANNOTATED, ledger.TAGGED]
    assert detail.events.rowCount() == 3
    m = window.evidence.model
    assert "notes" in m.data(m.index(3, COLUMNS.index("flags")))
    assert window.custody.model.rowCount() == len(window.case.events())


def test_detail_escapes_hostile_metadata(qtbot, window: MainWindow) -> None:
    case = window.case
    draft = case.new_item("web", source="https://evil.example/<script>", title="<b>bold</b><img src=x>",
                          action=ledger.CAPTURED)
    draft.add_bytes(b"<html></html>", role="dom", name="dom.html", mime="text/html")
    draft.metadata["http"] = {"status": 200, "headers": {"Server": "<img src='http://127.0.0.1:1/x'>"}}
    draft.metadata["exif"] = {"make": "Canon", "gps": {"latitude": 37.5665, "longitude": 126.978}}
    item = draft.commit()
    window.evidence.refresh(select_id=item.id)
    html = window.evidence.detail.details.toHtml()
    assert "&lt;img src=" in html and "<img src='http" not in html
    assert "37.5665000, 126.9780000" in window.evidence.detail.details.toPlainText()
    assert window.evidence.detail.heading.text().endswith("Web page")


def test_preview_is_blurred_and_reveal_is_logged(qtbot, window: MainWindow, monkeypatch) -> None:
    detail = window.evidence.detail
    window.evidence.select_item(9)  # pillow__truncated_exif_dpi.jpg, a real JPEG
    qtbot.waitUntil(lambda: detail._preview_image is not None, timeout=10000)
    assert detail.preview_is_blurred()
    assert detail.reveal_button.isVisible()
    blurred = detail._preview_image
    # Saying No changes nothing
    monkeypatch.setattr("evidence_kit.gui.detail_pane.QMessageBox.warning",
                        lambda *a, **k: __import__("PySide6.QtWidgets").QtWidgets.QMessageBox.StandardButton.No)
    detail.reveal()
    assert not [e for e in window.case.events() if e.action == ledger.REVEALED]
    # Yes: logged, shown unblurred; the question is asked once per session
    asked: list[int] = []

    def yes(*_a: object, **_k: object) -> object:
        asked.append(1)
        from PySide6.QtWidgets import QMessageBox

        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr("evidence_kit.gui.detail_pane.QMessageBox.warning", yes)
    detail._preview_image = None
    detail.reveal()
    qtbot.waitUntil(lambda: detail._preview_image is not None, timeout=10000)
    assert not detail.preview_is_blurred()
    assert detail._preview_image.cacheKey() != blurred.cacheKey()
    revealed = [e for e in window.case.events() if e.action == ledger.REVEALED]
    assert len(revealed) == 1 and revealed[0].item.endswith("E0009") and revealed[0].actor == "kim"
    window.evidence.select_item(8)
    qtbot.waitUntil(lambda: detail.item is not None and detail.item.id == 8)
    detail.reveal()
    assert len(asked) == 1
    assert len([e for e in window.case.events() if e.action == ledger.REVEALED]) == 2


def test_blurred_preview_hides_detail() -> None:
    from PySide6.QtGui import QColor, QImage

    from evidence_kit.gui.media import blur

    img = QImage(200, 200, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    for x in range(0, 200, 4):  # fine stripes: detail that must not survive
        for y in range(200):
            img.setPixelColor(x, y, QColor("black"))
    out = blur(img)
    values = {out.pixelColor(x, 100).value() for x in range(20, 180)}
    assert max(values) - min(values) < 30


def test_case_wide_unblurred_review_is_logged(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(window, "confirm", lambda *_: True)
    window.toggle_review_unblurred()
    assert window.case.setting("review_unblurred") == "1"
    assert "Unblurred review is ON" in window.status_review.text()
    ev = window.case.events(action=ledger.SETTING_CHANGED)[-1]
    assert ev.details == {"key": "review_unblurred", "value": "1"}
    detail = window.evidence.detail
    window.evidence.select_item(9)
    qtbot.waitUntil(lambda: detail._preview_image is not None, timeout=10000)
    assert not detail.preview_is_blurred()
    # each item shown unblurred is still logged
    assert [e.item for e in window.case.events(action=ledger.REVEALED)] == [f"{CASE_NUMBER}-E0009"]
    window.toggle_review_unblurred()
    assert window.case.setting("review_unblurred") == "0"
    monkeypatch.setattr(window, "confirm", lambda *_: False)
    window.toggle_review_unblurred()
    assert window.case.setting("review_unblurred") == "0"


def test_import_with_progress_and_drag_and_drop(qtbot, window: MainWindow, tmp_path: Path) -> None:
    files = []
    for i in range(3):
        f = tmp_path / f"chat-{i}.txt"
        f.write_bytes(b"x" * (200_000 + i))
        files.append(str(f))
    progress: list[tuple[int, int]] = []
    dialog = window.import_paths([*files[:2], str(tmp_path / "missing.bin")])
    assert dialog is not None
    dialog.task.progress.connect(lambda d, t, _m: progress.append((d, t)))
    qtbot.waitUntil(lambda: dialog.finished_ok is not None, timeout=20000)
    assert dialog.finished_ok
    assert "Imported 2 items" in dialog.message.text()
    assert "missing.bin" in dialog.details.toPlainText()
    assert progress and progress[-1][0] == progress[-1][1] == 400_001
    qtbot.waitUntil(lambda: window.evidence.model.rowCount() == 11)
    assert "11 items" in window.status_items.text()
    # drag and drop
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(files[2])])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    window.evidence.dropEvent(drop)
    qtbot.waitUntil(lambda: window.evidence.model.rowCount() == 12, timeout=20000)


def test_import_cancel_keeps_the_case_consistent(qtbot, window: MainWindow, tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    for i in range(4):
        (big / f"v{i}.bin").write_bytes(b"\0" * (3 << 20))
    dialog = window.import_paths([str(big)])
    assert dialog is not None
    dialog.task.progress.connect(lambda *_: dialog.task.cancel())
    qtbot.waitUntil(lambda: dialog.finished_ok is not None, timeout=20000)
    assert not dialog.finished_ok and "cancelled" in dialog.message.text()
    report = window.case.verify()
    assert report.ok, [str(p) for p in report.problems]
    assert window.case.item_count() < 13


def test_close_during_work_asks_cancels_and_waits(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "big"
    big.mkdir()
    for i in range(6):
        (big / f"v{i}.bin").write_bytes(b"\1" * (4 << 20))
    asked: list[str] = []
    monkeypatch.setattr(window, "confirm_close_during_work", lambda what: asked.append(what) or False)
    dialog = window.import_paths([str(big)])
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.task.running and dialog.bar.maximum() == 1000, timeout=10000)
    if dialog.task.running:
        assert not window.close()  # "No": the window stays
        assert asked == ["importing files"] and window.isVisible()
        monkeypatch.setattr(window, "confirm_close_during_work", lambda what: True)
        path = window.case.path
        assert window.close()
        assert not dialog.task.running
        reopened = Case.open(path, user="kim", password="officer-pass-1")
        try:
            assert reopened.verify().ok
            assert not list((path / "tmp").iterdir())
        finally:
            reopened.close()


def test_language_switch_updates_the_window(qtbot, window: MainWindow) -> None:
    m = window.evidence.model
    assert m.headerData(0, Qt.Orientation.Horizontal) == "Exhibit"
    window.set_language("ko")
    assert i18n.language() == "ko" and Settings.load().language == "ko"
    assert m.headerData(0, Qt.Orientation.Horizontal) == "증거 번호"
    assert window.act_capture_url.text() == "웹 페이지 수집…"
    assert window.tabs.tabText(0) == "증거물"
    assert "사건 담당관" in window.status_user.text()
    assert m.data(m.index(0, COLUMNS.index("kind"))) == "파일"
    assert window.custody.verify_button.text() == "지금 검증"
    window.set_language("en")
    assert window.tabs.tabText(2) == "Custody log"


def test_auditor_cannot_capture_or_annotate(qtbot, populated: Case, settings: Settings) -> None:
    populated.add_user("park", "auditor-pass-1", Role.AUDITOR)
    path = populated.path
    auditor = Case.open(path, user="park", password="auditor-pass-1")
    w = MainWindow(auditor, settings)
    qtbot.addWidget(w)
    assert not w.act_capture_url.isEnabled() and not w.act_import.isEnabled()
    assert w.act_verify.isEnabled()
    w.evidence.select_item(1)
    assert w.evidence.detail.notes.isReadOnly() and not w.evidence.detail.save_button.isVisibleTo(w)
    assert w.import_paths([str(path)]) is None
    w.close()


def test_table_thumbnails_are_blurred_and_made_in_the_background(qtbot, window: MainWindow) -> None:
    from PySide6.QtGui import QColor, QImage

    m = window.evidence.model
    assert m.thumbnails is not None
    row = m.row_of(9)  # a real JPEG
    assert m.thumbnail(9) is None
    m.data(m.index(row, 0), Qt.ItemDataRole.DecorationRole)  # painting the row asks for it
    qtbot.waitUntil(lambda: m.thumbnail(9) is not None, timeout=15000)
    assert m.data(m.index(row, 0), Qt.ItemDataRole.DecorationRole) is m.thumbnail(9)
    # an item whose only file is not an image gets no thumbnail and no request
    case = window.case
    draft = case.new_item("web", source="https://example.org/", title="t", action=ledger.CAPTURED)
    draft.add_bytes(b"<html></html>", role="dom", name="dom.html", mime="text/html")
    item = draft.commit()
    window.evidence.refresh()
    assert m.data(m.index(m.row_of(item.id), 0), Qt.ItemDataRole.DecorationRole) is m._blank()
    assert m.row(m.row_of(item.id)).thumb_artifact == 0  # type: ignore[union-attr]
    # the loader blurs: a sharp checkerboard comes out flat
    from evidence_kit.gui.media import preview
    from evidence_kit.gui.screen_capture import png_bytes

    img = QImage(64, 64, QImage.Format.Format_RGB32)
    for x in range(64):
        for y in range(64):
            img.setPixelColor(x, y, QColor("black") if (x // 2 + y // 2) % 2 else QColor("white"))
    out = preview(png_bytes(img), 40, True)
    values = [out.pixelColor(x, y).value() for x in range(2, out.width() - 2) for y in range(2, out.height() - 2)]
    assert max(values) - min(values) < 40


def test_feature_tabs_are_built_when_first_shown(qtbot, window: MainWindow) -> None:
    from evidence_kit.gui.main_window import LazyTab

    requests_tab, similar_tab = window.requests_tab, window.similar_tab
    assert isinstance(requests_tab, LazyTab) and isinstance(similar_tab, LazyTab)
    assert requests_tab.widget is None  # nothing built until asked: opening a case stays fast
    window.tabs.setCurrentWidget(requests_tab)
    assert type(requests_tab.widget).__name__ == "RequestsTab"
    window.tabs.setCurrentWidget(similar_tab)
    first = similar_tab.widget
    assert type(first).__name__ == "SimilarView"
    window.set_language("ko")  # language-bound feature widgets are rebuilt in the new language
    assert similar_tab.widget is not None and similar_tab.widget is not first
    assert window.tabs.tabText(window.tabs.indexOf(similar_tab)) == "유사 이미지"
