"""The chat viewer and the near-duplicate view, offscreen."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

from evidence_kit.core import telegram as tg
from evidence_kit.core.case import Case
from evidence_kit.gui.similar_view import SimilarView
from evidence_kit.gui.telegram_viewer import PAGE, TelegramViewer
from tests.tg_builders import photo_bytes, public_channel, write_export

SHOTS = os.environ.get("EK_SCREENSHOTS")  # set to a folder to keep renders for a look


def _shot(widget: object, name: str) -> None:
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / name))  # type: ignore[attr-defined]


@pytest.fixture
def chat(case: Case, tmp_path: Path) -> object:
    root = public_channel(tmp_path / "e")
    return tg.import_telegram(case, root, options=tg.ImportOptions(public_names={"": "deepfake_room"})).items[0]


def _select(viewer: TelegramViewer, rows: list[int]) -> None:
    sel = viewer.table.selectionModel()
    sel.clearSelection()
    sel.setCurrentIndex(viewer.model.index(rows[-1], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    for r in rows:
        sel.select(viewer.model.index(r, 0), QItemSelectionModel.SelectionFlag.Select
                   | QItemSelectionModel.SelectionFlag.Rows)


def test_viewer_shows_messages_in_order_with_replies_and_forwards(qtbot, case: Case, chat: object) -> None:  # type: ignore[no-untyped-def]
    viewer = TelegramViewer(case, chat, lang="en")
    qtbot.addWidget(viewer)
    viewer.resize(1100, 600)
    viewer.show()
    model = viewer.model
    assert model.rowCount() == 28
    assert [model.rows[i].id for i in range(3)] == [1, 2, 3]
    text = {model.rows[r].id: model.data(model.index(r, 2)) for r in range(model.rowCount())}
    assert text[5].startswith("⤷ Forwarded from Source Channel") and text[6].startswith("↩ #4")
    assert "(edited)" in text[7]
    tip = model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert "2026-01-01T00:02:00Z UTC" in tip and "2026-01-01T09:02:00" in tip
    assert model.data(model.index(1, 2), Qt.ItemDataRole.ToolTipRole) == "https://t.me/deepfake_room/2"
    assert "photo" in model.data(model.index(3, 3))
    assert "not included" in model.data(model.index(19, 3))
    _select(viewer, [3])
    _shot(viewer, "telegram_viewer_en.png")


def test_media_blurred_by_default_and_reveal_is_logged(qtbot, case: Case, chat: object) -> None:  # type: ignore[no-untyped-def]
    viewer = TelegramViewer(case, chat, lang="en")
    qtbot.addWidget(viewer)
    _select(viewer, [3])  # message 4: the photo
    assert viewer.reveal_button.isEnabled() and not viewer.revealed
    blurred = viewer.preview.pixmap().toImage()
    assert not blurred.isNull() and viewer.preview.toolTip().startswith("Blurred")
    viewer.confirm_reveal = lambda: False  # type: ignore[method-assign]
    viewer.reveal_button.click()
    assert not viewer.revealed and case.events(action="revealed") == []
    viewer.confirm_reveal = lambda: True  # type: ignore[method-assign]
    with qtbot.waitSignal(viewer.mediaRevealed) as sig:
        viewer.reveal_button.click()
    assert viewer.revealed and sig.args[0].endswith(".jpg")
    events = case.events(action="revealed")
    assert len(events) == 1 and events[0].item == chat.exhibit  # type: ignore[attr-defined]
    sharp = viewer.preview.pixmap().toImage()
    assert sharp != blurred
    viewer.reveal_button.click()  # blur again, no new event
    assert not viewer.revealed and len(case.events(action="revealed")) == 1
    _select(viewer, [1])  # a text message: nothing to reveal
    assert not viewer.reveal_button.isEnabled()


def test_search_and_copy_citation(qtbot, case: Case, chat: object) -> None:  # type: ignore[no-untyped-def]
    viewer = TelegramViewer(case, chat, lang="ko")
    qtbot.addWidget(viewer)
    assert viewer.copy_citation() == ""  # nothing selected
    viewer.search.setText("reply")
    qtbot.waitUntil(lambda: viewer.model.rowCount() == 1)
    assert viewer.model.rows[0].id == 6
    viewer.search.clear()
    qtbot.waitUntil(lambda: viewer.model.rowCount() == 28)
    _select(viewer, [5, 3])
    with qtbot.waitSignal(viewer.citationCopied) as sig:
        viewer.copy_button.click()
    text = sig.args[0]
    assert text.index("#4") < text.index("#6") and "https://t.me/deepfake_room/6" in text and "답장 대상" in text
    assert QGuiApplication.clipboard().text() == text
    assert "인용" in viewer.count_label.text()
    _shot(viewer, "telegram_viewer_ko.png")


def test_large_chat_pages_in(qtbot, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    msgs = [{"id": i, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(1767225600 + i),
             "from": "x", "from_id": "user1", "text": f"message {i}"} for i in range(1, 1201)]
    root = write_export(tmp_path / "big", {"name": "Big", "type": "private_supergroup", "id": 3, "messages": msgs},
                        {})
    item = tg.import_telegram(case, root).items[0]
    viewer = TelegramViewer(case, item)
    qtbot.addWidget(viewer)
    assert viewer.model.rowCount() == PAGE and viewer.model.canFetchMore()
    while viewer.model.canFetchMore():
        viewer.model.fetchMore()
    assert viewer.model.rowCount() == 1200 and viewer.model.rows[-1].id == 1200


def test_partial_import_is_visible(qtbot, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    msgs = [{"id": 1, "type": "message", "date": "2026-01-01T09:00:00", "from": "x", "from_id": "u",
             "photo": "photos/gone.jpg", "text": ""}]
    root = write_export(tmp_path / "p", {"name": "P", "type": "private_channel", "id": 3, "messages": msgs}, {})
    item = tg.import_telegram(case, root).items[0]
    viewer = TelegramViewer(case, item)
    qtbot.addWidget(viewer)
    viewer.show()
    assert viewer.partial_label.isVisible() and "missing" in viewer.partial_label.text()
    _select(viewer, [0])
    assert not viewer.reveal_button.isEnabled()


def test_similar_view_groups_with_blurred_thumbnails(qtbot, case: Case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    img = photo_bytes(5, (480, 360))
    small = io.BytesIO()
    Image.open(io.BytesIO(img)).resize((240, 180)).save(small, "JPEG", quality=50)
    for name, data in (("a.jpg", img), ("b.jpg", small.getvalue()), ("c.jpg", photo_bytes(6, (480, 360)))):
        (tmp_path / name).write_bytes(data)
    case.ingest([tmp_path / "a.jpg", tmp_path / "b.jpg", tmp_path / "c.jpg"])
    view = SimilarView(case, lang="ko")
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    groups = view.refresh()
    assert len(groups) == 1 and view.tree.topLevelItemCount() == 1
    top = view.tree.topLevelItem(0)
    assert top.childCount() == 2 and "그룹 1" in top.text(0)
    assert not top.child(0).icon(0).isNull()
    with qtbot.waitSignal(view.exhibitActivated) as sig:
        view.tree.itemDoubleClicked.emit(top.child(1), 0)
    assert sig.args[0].endswith("E0002")
    view.threshold.setValue(0)
    view.find_button.click()
    assert view.tree.topLevelItemCount() in (0, 1)
    _shot(view, "similar_view_ko.png")
