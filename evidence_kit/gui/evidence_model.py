"""The evidence table's model: 100,000 items without loading them.

The filter and sort become one SQL query returning only item ids (an array of integers); the
rows themselves are read a page at a time when the view asks for them, and a few pages are
kept in a small cache. Sorting and filtering re-run the id query, not Python sorting.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPixmap

from ..core import listing
from ..core.case import Case
from ..core.errors import EvidenceKitError
from .i18n import tr

PAGE = 200
MAX_PAGES = 64
THUMB_PX = 20
MAX_THUMBS = 2000

COLUMNS = ("exhibit", "kind", "title", "platform", "captured_at", "collector", "sha256", "flags")
HEADER_KEYS = {"exhibit": "col.exhibit", "kind": "col.kind", "title": "col.title", "platform": "col.platform",
               "captured_at": "col.captured", "collector": "col.collector", "sha256": "col.sha256",
               "flags": "col.flags"}

ItemIdRole = Qt.ItemDataRole.UserRole + 1
ExhibitRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def local_time(utc_iso: str, seconds: bool = True) -> str:
    """'2026-03-01T02:03:04.123Z' -> '2026-03-01 11:03:04' in this computer's zone."""
    if not utc_iso:
        return ""
    try:
        dt = datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return utc_iso
    return dt.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def short_exhibit(exhibit: str) -> str:
    """'2026-SEOUL-0042-E0007' -> 'E0007' (the case number is in the title bar)."""
    _head, sep, tail = exhibit.rpartition("-")
    return tail if sep and tail.startswith("E") else exhibit


def kind_label(kind: str) -> str:
    key = f"kind.{kind}"
    text = tr(key)
    return kind if text == key else text


class EvidenceModel(QAbstractTableModel):
    reloaded = Signal()

    def __init__(self, case: Case, parent: Any = None) -> None:
        super().__init__(parent)
        self.case = case
        self._filter = listing.ItemFilter()
        self._sort = "exhibit"
        self._descending = False
        self._ids = listing.item_ids(case)
        self._pages: OrderedDict[int, dict[int, listing.ItemRow]] = OrderedDict()
        self.total = case.item_count()
        self._thumbs: OrderedDict[int, QPixmap] = OrderedDict()
        self.thumbnails: ThumbnailLoader | None = None
        self._blank_pixmap: QPixmap | None = None

    def start_thumbnails(self) -> None:
        """Blurred thumbnails in the exhibit column (off in benchmarks and most tests)."""
        if self.thumbnails is None:
            self.thumbnails = ThumbnailLoader(self.case, self)
            self.thumbnails.ready.connect(self._thumb_ready)

    def stop_thumbnails(self) -> None:
        if self.thumbnails is not None:
            self.thumbnails.stop()
            self.thumbnails = None

    def _thumb_ready(self, item_id: int, image: QImage) -> None:
        self._thumbs[item_id] = QPixmap.fromImage(image.scaled(
            THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        while len(self._thumbs) > MAX_THUMBS:
            self._thumbs.popitem(last=False)
        row = self.row_of(item_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [Qt.ItemDataRole.DecorationRole])

    def _blank(self) -> QPixmap:
        """Same room as a thumbnail, so exhibit numbers line up."""
        if self._blank_pixmap is None:
            self._blank_pixmap = QPixmap(THUMB_PX, THUMB_PX)
            self._blank_pixmap.fill(Qt.GlobalColor.transparent)
        return self._blank_pixmap

    def thumbnail(self, item_id: int) -> QPixmap | None:
        return self._thumbs.get(item_id)

    # ---- Qt model API ----
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(HEADER_KEYS[COLUMNS[section]])
        return None

    def row(self, row: int) -> listing.ItemRow | None:
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // PAGE
        page = self._pages.get(page_no)
        if page is None:
            ids = list(self._ids[page_no * PAGE:(page_no + 1) * PAGE])
            page = listing.item_rows(self.case, ids)
            self._pages[page_no] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.row(index.row())
        if r is None:
            return None
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == "title":
                if r.title and r.source and r.title != r.source:
                    return f"{r.title}\n{r.source}"
                return r.source or r.title
            if col == "sha256":
                return r.sha256
            if col == "exhibit":
                return r.exhibit
            if col == "captured_at":
                return f"UTC {r.captured_at}"
            if col == "flags" and r.tags:
                return ", ".join(r.tags)
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == "exhibit" and self.thumbnails is not None:
            pixmap = self._thumbs.get(r.id) if r.thumb_artifact else None
            if pixmap is None and r.thumb_artifact:
                self.thumbnails.request(r.id, r.thumb_artifact)
            return pixmap if pixmap is not None else self._blank()
        if role == ItemIdRole:
            return r.id
        if role == ExhibitRole:
            return r.exhibit
        if role == Qt.ItemDataRole.FontRole and col == "sha256":
            f = QFont("monospace")
            f.setStyleHint(QFont.StyleHint.Monospace)
            return f
        if role == Qt.ItemDataRole.ForegroundRole and col == "flags" and r.sensitive:
            return QColor("#a4262c")
        return None

    def _display(self, r: listing.ItemRow, col: str) -> str:
        if col == "exhibit":
            return short_exhibit(r.exhibit)
        if col == "kind":
            return kind_label(r.kind)
        if col == "title":
            return r.title or r.source
        if col == "platform":
            return r.platform
        if col == "captured_at":
            return local_time(r.captured_at)
        if col == "collector":
            return r.collector
        if col == "sha256":
            return f"{r.sha256[:12]}…" if r.sha256 else ""
        if col == "flags":
            flags = []
            if r.sensitive:
                flags.append(tr("flag.sensitive"))
            if r.has_notes:
                flags.append(tr("flag.notes"))
            if r.tags:
                flags.append("#" + " #".join(r.tags))
            return " · ".join(flags)
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        if (COLUMNS[column], descending) == (self._sort, self._descending):
            return  # already in this order (the view asks once when sorting is switched on)
        self._sort = COLUMNS[column]
        self._descending = descending
        self.reload()

    # ---- filtering and refresh ----
    def set_filter(self, *, search: str | None = None, kind: str | None = None, tag: str | None = None) -> None:
        f = self._filter
        self._filter = listing.ItemFilter(search=f.search if search is None else search,
                                          kind=f.kind if kind is None else kind, tag=f.tag if tag is None else tag)
        if self._filter != f:
            self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._ids = listing.item_ids(self.case, self._filter, sort=self._sort, descending=self._descending)
        self._pages.clear()
        self.total = self.case.item_count()
        self.endResetModel()
        self.reloaded.emit()

    def invalidate_item(self, item_id: int) -> None:
        """An item's notes or tags changed: drop its cached page and repaint its row."""
        for page_no, page in list(self._pages.items()):
            if item_id in page:
                del self._pages[page_no]
        try:
            row = self._ids.index(item_id)
        except ValueError:
            return
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def row_of(self, item_id: int) -> int:
        try:
            return self._ids.index(item_id)
        except ValueError:
            return -1

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))


class ThumbnailLoader(QObject):
    """Blurred thumbnails for the table, made on one worker thread (its own case handle) for the
    rows the view actually paints; decoded from memory, never written anywhere."""

    ready = Signal(int, QImage)   # item id, thumbnail

    MAX_BYTES = 24 << 20

    def __init__(self, case: Case, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._case = case
        self._queue: queue.Queue[tuple[int, int] | None] = queue.Queue()
        self._pending: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="thumbnails", daemon=True)
        self._thread.start()

    def request(self, item_id: int, artifact_id: int) -> None:
        if item_id not in self._pending:
            self._pending.add(item_id)
            self._queue.put((item_id, artifact_id))

    def stop(self) -> None:
        # Drop what is waiting; the thread ends after the thumbnail in hand.
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        from .media import PreviewError, preview

        handle: Case | None = None
        try:
            handle = self._case.clone()
            while True:
                job = self._queue.get()
                if job is None:
                    return
                item_id, artifact_id = job
                try:
                    art = handle.artifact(artifact_id)
                    if art.size > self.MAX_BYTES:
                        continue
                    image = preview(handle.read_artifact(art, max_bytes=self.MAX_BYTES), THUMB_PX * 2, True)
                except (PreviewError, EvidenceKitError, OSError, ValueError):
                    continue
                self.ready.emit(item_id, image)
        except Exception:  # the case closed under us: thumbnails simply stop
            return
        finally:
            if handle is not None:
                handle.close()
