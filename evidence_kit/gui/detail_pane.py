"""The selected item: a (blurred) preview, its files and hashes, its details (HTTP, TLS, EXIF,
GPS, platform ids, acquisition), its notes and tags (editable, logged) and its custody events.

Every string from the item is suspect-controlled: it is HTML-escaped before being shown, and
the detail browser never loads a resource.
"""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core.case import Artifact, Case, Item
from ..core.errors import EvidenceKitError
from ..core.exif import format_gps
from ..core.roles import Permission, allowed
from . import i18n
from .evidence_model import kind_label, local_time
from .i18n import tr
from .media import preview, previewable
from .workers import Task, TaskRegistry

PREVIEW_PX = 360
REVIEW_SETTING = "review_unblurred"


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def preview_artifact(item: Item) -> Artifact | None:
    """The artifact to show: a screenshot or thumbnail first, then an image original."""
    order = ("screenshot", "thumbnail", "original", "media", "screenshot_banner")
    for role in order:
        for a in item.artifacts:
            if a.role == role and previewable(a.mime):
                return a
    return next((a for a in item.artifacts if previewable(a.mime)), None)


def _flatten(value: Any, prefix: str = "", out: list[tuple[str, str]] | None = None,
             limit: int = 400) -> list[tuple[str, str]]:
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out, limit)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            _flatten(v, f"{prefix}[{i + 1}]", out, limit)
    elif isinstance(value, list):
        out.append((prefix, ", ".join(str(v) for v in value)))
    else:
        out.append((prefix, "" if value is None else str(value)))
    return out


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td style='color:#555;padding-right:10px;vertical-align:top'>{html.escape(k)}</td>"
                    f"<td style='word-break:break-all'>{html.escape(v[:2000])}</td></tr>" for k, v in rows)
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>"


def details_html(item: Item) -> str:
    """The Details tab: acquisition first, then each metadata section (HTTP, TLS, EXIF, platform…)."""
    acq = item.acquisition
    collector = acq.get("collector") or {}
    parts = [f"<h3>{html.escape(tr('detail.acquisition'))}</h3>"]
    rows = [(tr("detail.source"), item.source),
            (tr("detail.captured"), f"{local_time(item.captured_at)}  (UTC {item.captured_at})"),
            (tr("detail.collector"), " ".join(x for x in (str(collector.get("name") or item.collector),
                                                          str(collector.get("badge") or "")) if x)),
            (tr("detail.workstation"), f"{acq.get('workstation', '')} · {acq.get('os', '')}")]
    browser = acq.get("browser_profile") or acq.get("persona")
    if browser:
        rows.append((tr("detail.browser_profile"), json.dumps(browser, ensure_ascii=False)
                     if isinstance(browser, dict) else str(browser)))
    skip = {"collector", "workstation", "os"}
    rows += [(k, v) for k, v in _flatten({k: v for k, v in acq.items() if k not in skip})]
    parts.append(_table(rows))
    meta = dict(item.metadata)
    exif = meta.pop("exif", None)
    if isinstance(exif, dict):
        parts.append(f"<h3>{html.escape(tr('detail.exif'))}</h3>")
        exif_rows = _flatten({k: v for k, v in exif.items() if k != "gps"})
        gps_line = format_gps(exif.get("gps")) if isinstance(exif.get("gps"), dict) else ""
        if gps_line:
            exif_rows.insert(0, (tr("detail.gps"), gps_line))
        parts.append(_table(exif_rows))
    titles = {"http": "detail.http", "tls": "detail.tls", "certificate": "detail.tls",
              "platform": "detail.platform_ids"}
    for key, value in meta.items():
        title = tr(titles[key]) if key in titles else key
        parts.append(f"<h3>{html.escape(title)}</h3>")
        parts.append(_table(_flatten(value)))
    return "".join(parts)


class DetailPane(QWidget):
    """Shows one item. Emits changed(item_id) after notes or tags were saved."""

    changed = Signal(int)
    revealed = Signal(str)

    def __init__(self, case: Case, tasks: TaskRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.tasks = tasks
        self.item: Item | None = None
        self._revealed: set[str] = set()   # exhibits shown unblurred in this session (each logged)
        self._asked_reveal = False          # "asks once" per session
        self._preview_task: Task | None = None
        self._preview_image: QImage | None = None
        style = self.style()

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.heading.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.subheading = QLabel()
        self.subheading.setWordWrap(True)
        self.subheading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(200)
        self.preview.setStyleSheet("background: #2b2b2b; color: #ddd; border-radius: 4px;")
        self.preview.setWordWrap(True)
        self.blur_note = QLabel()
        self.blur_note.setWordWrap(True)
        self.reveal_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning), "")
        self.reveal_button.clicked.connect(self.reveal)
        reveal_row = QHBoxLayout()
        reveal_row.addWidget(self.blur_note, 1)
        reveal_row.addWidget(self.reveal_button)

        self.tabs = QTabWidget()
        self.artifacts = QTableWidget(0, 5)
        self.artifacts.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.artifacts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.artifacts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.artifacts.verticalHeader().hide()
        self.artifacts.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.artifacts.setWordWrap(False)
        self.copy_hash = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView), "")
        self.copy_hash.clicked.connect(self.copy_selected_hashes)
        art_page = QWidget()
        al = QVBoxLayout(art_page)
        al.addWidget(self.artifacts)
        al.addWidget(self.copy_hash, 0, Qt.AlignmentFlag.AlignRight)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setOpenExternalLinks(False)
        # Never fetch anything a suspect-controlled page names.
        self.details.loadResource = lambda _type, _url: None  # type: ignore[method-assign]

        notes_page = QWidget()
        self.notes = QPlainTextEdit()
        self.tags_label = QLabel()
        self.tags = QLineEdit()
        self.save_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton), "")
        self.save_button.clicked.connect(self.save_notes)
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        self.notes_label = QLabel()
        nl = QVBoxLayout(notes_page)
        nl.addWidget(self.notes_label)
        nl.addWidget(self.notes, 1)
        nl.addWidget(self.tags_label)
        nl.addWidget(self.tags)
        row = QHBoxLayout()
        row.addWidget(self.saved_label, 1)
        row.addWidget(self.save_button)
        nl.addLayout(row)

        self.events = QTableWidget(0, 4)
        self.events.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.events.verticalHeader().hide()
        self.events.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        self.tabs.addTab(art_page, "")
        self.tabs.addTab(self.details, "")
        self.tabs.addTab(notes_page, "")
        self.tabs.addTab(self.events, "")

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.body = QWidget()
        bl = QVBoxLayout(self.body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.heading)
        bl.addWidget(self.subheading)
        bl.addWidget(self.preview)
        bl.addLayout(reveal_row)
        bl.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.body)
        self.body.hide()
        can_annotate = allowed(case.role, Permission.ANNOTATE)
        self.notes.setReadOnly(not can_annotate)
        self.tags.setReadOnly(not can_annotate)
        self.save_button.setVisible(can_annotate)
        self.retranslate()
        i18n.notifier().changed.connect(self.retranslate)

    # ---- text ----
    def retranslate(self, *_: object) -> None:
        self.empty.setText(tr("detail.none"))
        self.reveal_button.setText(tr("detail.reveal"))
        self.copy_hash.setText(tr("detail.copy_hash"))
        self.tabs.setTabText(0, tr("detail.artifacts"))
        self.tabs.setTabText(1, tr("detail.metadata"))
        self.tabs.setTabText(2, tr("detail.notes"))
        self.tabs.setTabText(3, tr("detail.custody"))
        self.notes_label.setText(tr("detail.notes"))
        self.tags_label.setText(tr("detail.tags"))
        self.save_button.setText(tr("detail.save_notes"))
        self.artifacts.setHorizontalHeaderLabels([tr("art.role"), tr("art.name"), tr("art.size"), tr("art.mime"),
                                                  tr("col.sha256")])
        self.events.setHorizontalHeaderLabels([tr("col.seq"), tr("col.at"), tr("col.action"), tr("col.details")])
        if self.item is not None:
            self.show_item(self.item.id, keep_preview=True)

    # ---- showing ----
    def unblurred_case(self) -> bool:
        return self.case.setting(REVIEW_SETTING) == "1"

    def clear(self) -> None:
        self.item = None
        self.body.hide()
        self.empty.show()

    def show_item(self, item_id: int, keep_preview: bool = False) -> None:
        try:
            item = self.case.item(item_id)
        except EvidenceKitError as exc:
            self.clear()
            self.empty.setText(i18n.error_text(exc.message))
            return
        same = self.item is not None and self.item.id == item.id
        self.item = item
        self.empty.hide()
        self.body.show()
        self.heading.setText(f"{item.exhibit} · {kind_label(item.kind)}")
        self.subheading.setText(item.title if item.title == item.source or not item.source
                                else f"{item.title}\n{item.source}")
        # files and hashes
        self.artifacts.setRowCount(len(item.artifacts))
        for r, a in enumerate(item.artifacts):
            for c, text in enumerate((a.role, a.name, human_size(a.size), a.mime, a.sha256)):
                cell = QTableWidgetItem(text)
                if c == 4:
                    cell.setToolTip(f"SHA-256 {a.sha256}\nMD5 {a.md5}\nSHA-1 {a.sha1}")
                    cell.setFont(_mono())
                self.artifacts.setItem(r, c, cell)
        self.artifacts.resizeColumnsToContents()
        self.artifacts.setColumnWidth(1, min(self.artifacts.columnWidth(1), 180))
        # details
        self.details.setHtml(details_html(item))
        # notes and tags
        if not (same and keep_preview):
            self.notes.setPlainText(item.notes)
            self.tags.setText(", ".join(item.tags))
            self.saved_label.clear()
        # custody
        events = self.case.events(item=item.exhibit)
        self.events.setRowCount(len(events))
        for r, ev in enumerate(events):
            for c, text in enumerate((str(ev.seq), local_time(ev.at), _action_label(ev.action),
                                      _details_summary(ev.details))):
                self.events.setItem(r, c, QTableWidgetItem(text))
        self.events.resizeColumnsToContents()
        if not (same and keep_preview):
            self._load_preview()
        else:
            self._update_blur_controls()

    def _shown_unblurred(self) -> bool:
        return self.item is not None and (self.item.exhibit in self._revealed or not self.item.sensitive)

    def _update_blur_controls(self) -> None:
        art = preview_artifact(self.item) if self.item else None
        blurred = art is not None and not self._shown_unblurred()
        self.blur_note.setText(tr("detail.blurred") if blurred else "")
        self.reveal_button.setVisible(blurred and allowed(self.case.role, Permission.REVEAL))

    def _load_preview(self) -> None:
        item = self.item
        assert item is not None
        art = preview_artifact(item)
        if self._preview_task is not None:
            self._preview_task.cancel()
        if art is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(tr("detail.no_preview"))
            self._update_blur_controls()
            return
        if self.unblurred_case() and item.sensitive and item.exhibit not in self._revealed:
            # Case-wide unblurred review: every unblurred showing is still logged, once per item.
            self._log_reveal(item, art)
        blurred = not self._shown_unblurred()
        self.preview.setPixmap(QPixmap())
        self.preview.setText(tr("common.working"))
        self._update_blur_controls()

        def work(c: Case, _progress: object, _cancel: object) -> QImage:
            data = c.read_artifact(art, max_bytes=64 << 20)
            try:
                return preview(data, PREVIEW_PX, blurred)
            finally:
                del data

        task = Task(self.case, work, parent=self)
        self._preview_task = task
        exhibit = item.exhibit
        task.succeeded.connect(lambda img: self._preview_ready(exhibit, img))
        task.failed.connect(lambda msg: self._preview_failed(exhibit, msg))
        self.tasks.add(task)
        task.start()

    def _preview_ready(self, exhibit: str, image: QImage) -> None:
        if self.item is None or self.item.exhibit != exhibit:
            return
        self._preview_image = image
        self.preview.setText("")
        self.preview.setPixmap(QPixmap.fromImage(image))

    def _preview_failed(self, exhibit: str, message: str) -> None:
        if self.item is None or self.item.exhibit != exhibit:
            return
        self.preview.setPixmap(QPixmap())
        self.preview.setText(tr("detail.preview_failed", error=i18n.error_text(message)))

    def preview_is_blurred(self) -> bool:
        return not self._shown_unblurred()

    # ---- reveal ----
    def _log_reveal(self, item: Item, art: Artifact) -> None:
        self.case.record_view(item.exhibit, revealed=True, artifact=art.name)
        self._revealed.add(item.exhibit)
        self.revealed.emit(item.exhibit)

    def confirm_reveal(self) -> bool:
        """Asks once per session (then every reveal is still logged). Patched in tests."""
        if self._asked_reveal:
            return True
        answer = QMessageBox.warning(self, tr("reveal.title"), tr("reveal.text"),
                                     QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                     QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self._asked_reveal = True
            return True
        return False

    def reveal(self) -> None:
        item = self.item
        if item is None:
            return
        art = preview_artifact(item)
        if art is None or not self.confirm_reveal():
            return
        try:
            self._log_reveal(item, art)
        except EvidenceKitError as exc:
            QMessageBox.critical(self, tr("common.error"), i18n.error_text(exc.message))
            return
        self.show_item(item.id)  # reload: shows the new custody event and the unblurred preview
        self._load_preview()

    # ---- notes, tags, hashes ----
    def save_notes(self) -> None:
        item = self.item
        if item is None:
            return
        notes = self.notes.toPlainText()
        tags = [t.strip() for t in self.tags.text().replace(";", ",").split(",") if t.strip()]
        try:
            if notes != item.notes:
                self.case.set_notes(item.exhibit, notes)
            if sorted(set(tags)) != sorted(item.tags):
                self.case.set_tags(item.exhibit, tags)
        except EvidenceKitError as exc:
            QMessageBox.critical(self, tr("common.error"), i18n.error_text(exc.message))
            return
        self.saved_label.setText(tr("detail.saved"))
        self.show_item(item.id, keep_preview=True)
        self.notes.setPlainText(self.item.notes if self.item else notes)
        self.tags.setText(", ".join(self.item.tags if self.item else tags))
        self.changed.emit(item.id)

    def copy_selected_hashes(self) -> None:
        if self.item is None:
            return
        rows = sorted({i.row() for i in self.artifacts.selectedIndexes()}) or range(len(self.item.artifacts))
        lines = [f"{self.item.artifacts[r].sha256}  {self.item.artifacts[r].name}" for r in rows]
        QGuiApplication.clipboard().setText("\n".join(lines))
        self.saved_label.setText(tr("common.copied"))


def _mono() -> Any:
    from PySide6.QtGui import QFont

    f = QFont("monospace")
    f.setStyleHint(QFont.StyleHint.Monospace)
    return f


def _action_label(action: str) -> str:
    key = f"action.{action}"
    text = tr(key)
    return action if text == key else text


def _details_summary(details: dict[str, Any], limit: int = 200) -> str:
    if not details:
        return ""
    parts = []
    for k, v in details.items():
        if k == "artifacts" and isinstance(v, list):
            parts.append(f"{k}: {len(v)}")
            continue
        text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)
        parts.append(f"{k}: {text}")
    out = "; ".join(parts)
    return out if len(out) <= limit else out[: limit - 1] + "…"


__all__ = ["DetailPane", "QUrl", "details_html", "preview_artifact"]
