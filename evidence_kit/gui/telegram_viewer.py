"""Chat viewer for an imported Telegram chat item: messages in order, media blurred by default,
search, and "copy citation" for reports and requests.

Standalone: TelegramViewer(case, item, lang=...) takes the open Case (used on the GUI thread
only). Messages are read from the case page by page (fetchMore), so a chat of 100,000 messages
opens at once; search runs in the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core import perceptual, telegram
from ..core.case import Case, Item
from ..core.errors import EvidenceKitError
from ..core.telegram import MediaRef, Message

PAGE = 500

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "time": "Time", "sender": "Sender", "message": "Message", "media": "Media",
        "search": "Search messages, senders…", "copy": "Copy citation", "reveal": "Reveal media",
        "hide": "Blur again", "no_media": "No media in this message", "blurred": "Blurred (sensitive)",
        "reveal_title": "Reveal media?", "reveal_text": "The media will be shown unblurred. The reveal is "
        "recorded in the custody ledger under your name. Continue?",
        "forwarded": "Forwarded from", "reply": "Reply to", "edited": "edited", "partial": "PARTIAL IMPORT",
        "messages": "messages", "copied": "Citation of {n} message(s) copied.", "select": "Select messages first.",
        "no_link": "No link", "utc": "UTC", "export_local": "as exported (local)", "not_stored": "not stored",
        "not_included": "not included in the export", "missing": "missing from the export",
        "refused": "refused (points outside the export)", "preview_error": "Cannot show: {e}",
        "shown": "{n} of {total} messages",
    },
    "ko": {
        "time": "시각", "sender": "보낸 사람", "message": "메시지", "media": "미디어",
        "search": "메시지·보낸 사람 검색…", "copy": "인용 복사", "reveal": "미디어 보기",
        "hide": "다시 흐리게", "no_media": "이 메시지에는 미디어가 없습니다", "blurred": "흐리게 표시됨 (민감 자료)",
        "reveal_title": "미디어를 표시할까요?", "reveal_text": "미디어가 흐림 없이 표시되며, 열람 기록이 "
        "사용자 이름으로 관리 대장에 남습니다. 계속할까요?",
        "forwarded": "전달됨:", "reply": "답장 대상", "edited": "수정됨", "partial": "일부만 가져옴",
        "messages": "메시지", "copied": "메시지 {n}건의 인용을 복사했습니다.", "select": "먼저 메시지를 선택하세요.",
        "no_link": "링크 없음", "utc": "UTC", "export_local": "내보낸 현지 시각", "not_stored": "저장 안 됨",
        "not_included": "내보내기에 포함되지 않음", "missing": "내보내기에 없음",
        "refused": "거부됨 (내보내기 밖을 가리킴)", "preview_error": "표시할 수 없음: {e}",
        "shown": "메시지 {total}건 중 {n}건",
    },
}

MEDIA_LABELS = {
    "en": {"photo": "photo", "sticker": "sticker", "voice_message": "voice", "video_message": "round video",
           "video_file": "video", "animation": "GIF", "audio_file": "audio", "file": "file", "vcard": "contact card",
           "thumbnail": "thumbnail", "service_photo": "photo"},
    "ko": {"photo": "사진", "sticker": "스티커", "voice_message": "음성", "video_message": "원형 동영상",
           "video_file": "동영상", "animation": "GIF", "audio_file": "오디오", "file": "파일", "vcard": "연락처",
           "thumbnail": "미리보기", "service_photo": "사진"},
}


def _lang(lang: str) -> str:
    return lang if lang in STRINGS else "en"


def local_time(utc_iso: str) -> str:
    """UTC ISO time shown in this computer's local zone."""
    try:
        dt = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    except ValueError:
        return utc_iso
    return dt.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class ChatModel(QAbstractTableModel):
    COLUMNS = ("time", "sender", "message", "media")

    def __init__(self, case: Case, item: Item, lang: str = "en") -> None:
        super().__init__()
        self.case = case
        self.item = item
        self.lang = _lang(lang)
        self.query = ""
        self.total = 0
        self.rows: list[Message] = []
        self.set_query("")

    def set_query(self, query: str) -> None:
        self.beginResetModel()
        self.query = query
        self.total = telegram.message_count(self.case, self.item, query=query)
        self.rows = telegram.messages(self.case, self.item, query=query, limit=PAGE)
        self.endResetModel()

    # -- paging --
    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if parent.isValid():
            return
        more = telegram.messages(self.case, self.item, query=self.query, offset=len(self.rows), limit=PAGE)
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    # -- table --
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return STRINGS[self.lang][self.COLUMNS[section]]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        m = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        t = STRINGS[self.lang]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "time":
                return local_time(m.date_utc) if m.date_utc else m.date_local
            if col == "sender":
                return m.sender
            if col == "message":
                prefix = []
                if m.forwarded_from:
                    prefix.append(f"⤷ {t['forwarded']} {m.forwarded_from}")
                if m.reply_to is not None:
                    prefix.append(f"↩ #{m.reply_to}")
                text = m.summary.replace("\n", " ")
                edited = f" ({t['edited']})" if m.edited_local or m.edited_utc else ""
                return (" · ".join(prefix) + "  " if prefix else "") + text + edited
            if col == "media":
                return ", ".join(_media_label(r, self.lang) for r in m.media if r.kind != "thumbnail")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == "time":
                utc = f"{m.date_utc} {t['utc']}" if m.date_utc else "—"
                return f"{utc}\n{m.date_local} ({t['export_local']})"
            if col == "message":
                return m.link or f"{t['no_link']}"
        if role == Qt.ItemDataRole.UserRole:
            return m
        return None


def _media_label(ref: MediaRef, lang: str) -> str:
    label = MEDIA_LABELS[lang].get(ref.kind, ref.kind)
    if ref.status != "ok":
        label += f" ({STRINGS[lang].get(ref.status, ref.status) or STRINGS[lang]['not_stored']})"
    return label


class TelegramViewer(QWidget):
    """The chat viewer widget. Signals: citationCopied(text), mediaRevealed(artifact name)."""

    citationCopied = Signal(str)
    mediaRevealed = Signal(str)

    def __init__(self, case: Case, item: Item | str, *, lang: str = "en", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.item = item if isinstance(item, Item) else case.item(item)
        self.lang = _lang(lang)
        t = STRINGS[self.lang]
        info = telegram.chat_info(case, self.item)
        self.info = info
        self.revealed = False

        title = QLabel(f"<b>{_esc(info.name)}</b> · {info.type.replace('_', ' ')} · {self.item.exhibit}")
        self.partial_label = QLabel(f"<span style='color:#b00020'><b>{t['partial']}</b></span>: "
                                    + _esc("; ".join(info.problems[:3])))
        self.partial_label.setVisible(info.partial)
        self.partial_label.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText(t["search"])
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.copy_button = QPushButton(t["copy"])

        self.model = ChatModel(case, self.item, self.lang)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(1, 140)

        self.preview = QLabel(t["no_media"])
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(260, 200)
        self.preview.setStyleSheet("QLabel { background: #202124; color: #e8eaed; }")
        self.reveal_button = QPushButton(t["reveal"])
        self.reveal_button.setEnabled(False)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.copy_button)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.preview)
        side_layout.addWidget(self.reveal_button)
        side_layout.addWidget(self.details, 1)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.partial_label)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._apply_search)
        self.copy_button.clicked.connect(self.copy_citation)
        self.reveal_button.clicked.connect(self._toggle_reveal)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_message(cur))
        self._update_count()

    # ---- search ----
    def _apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_query(self.search.text())
        self._update_count()
        self._show_message(QModelIndex())

    def _update_count(self) -> None:
        self.count_label.setText(STRINGS[self.lang]["shown"].format(n=self.model.total, total=self.info.messages))

    # ---- selection and citations ----
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].id for r in rows]

    def copy_citation(self) -> str:
        ids = self.selected_ids()
        t = STRINGS[self.lang]
        if not ids:
            self.count_label.setText(t["select"])
            return ""
        text = telegram.citation_text(telegram.cite(self.case, self.item, ids), self.lang)
        QGuiApplication.clipboard().setText(text)
        self.count_label.setText(t["copied"].format(n=len(ids)))
        self.citationCopied.emit(text)
        return text

    # ---- the selected message ----
    def current_message(self) -> Message | None:
        idx = self.table.currentIndex()
        return self.model.rows[idx.row()] if idx.isValid() else None

    def _show_message(self, index: QModelIndex) -> None:
        self.revealed = False
        t = STRINGS[self.lang]
        self.reveal_button.setText(t["reveal"])
        m = self.model.rows[index.row()] if index.isValid() else None
        if m is None:
            self.details.clear()
            self._set_preview(None)
            return
        head = [f"<b>#{m.id}</b> · {_esc(m.sender)} <span style='color:gray'>{_esc(m.sender_id)}</span>",
                f"{_esc(local_time(m.date_utc)) if m.date_utc else _esc(m.date_local)}"
                + (f" · {_esc(m.date_utc)}" if m.date_utc else f" ({t['export_local']})")]
        if m.forwarded_from:
            head.append(f"{t['forwarded']} {_esc(m.forwarded_from)}")
        if m.reply_to is not None:
            head.append(f"{t['reply']} #{m.reply_to}")
        body = _esc(m.summary).replace("\n", "<br>")
        tail = [f"{_esc(_media_label(r, self.lang))}: {_esc(r.path or r.note)}" for r in m.media]
        tail.append(_esc(m.link) if m.link else t["no_link"])
        self.details.setHtml(f"<p>{'<br>'.join(head)}</p><p>{body}</p><p>{'<br>'.join(tail)}</p>")
        self._set_preview(m)

    def _media_artifact(self, m: Message | None) -> Any:
        if m is None:
            return None
        refs = [r for r in m.media if r.status == "ok" and r.kind != "thumbnail"]
        refs += [r for r in m.media if r.status == "ok" and r.kind == "thumbnail"]
        for r in refs:
            art = telegram.media_artifacts(self.item, r)
            if art is not None and perceptual.hashable(art):
                return art
        return None

    def _set_preview(self, m: Message | None) -> None:
        t = STRINGS[self.lang]
        art = self._media_artifact(m)
        self.reveal_button.setEnabled(art is not None)
        if art is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(t["no_media"])
            return
        try:
            png = perceptual.preview_png(self.case, art, max_side=256, blur=not self.revealed)
        except EvidenceKitError as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(t["preview_error"].format(e=exc.message))
            return
        pix = QPixmap()
        pix.loadFromData(png, "PNG")
        self.preview.setPixmap(pix)
        self.preview.setToolTip("" if self.revealed else t["blurred"])

    def confirm_reveal(self) -> bool:
        """Ask before showing media unblurred (tests replace this)."""
        t = STRINGS[self.lang]
        answer = QMessageBox.question(self, t["reveal_title"], t["reveal_text"])
        return answer == QMessageBox.StandardButton.Yes

    def _toggle_reveal(self) -> None:
        m = self.current_message()
        art = self._media_artifact(m)
        if art is None:
            return
        t = STRINGS[self.lang]
        if self.revealed:
            self.revealed = False
            self.reveal_button.setText(t["reveal"])
            self._set_preview(m)
            return
        if not self.confirm_reveal():
            return
        try:
            self.case.record_view(self.item.exhibit, revealed=True, artifact=art.name)
        except EvidenceKitError as exc:
            QMessageBox.warning(self, t["reveal_title"], exc.message)
            return
        self.revealed = True
        self.reveal_button.setText(t["hide"])
        self._set_preview(m)
        self.mediaRevealed.emit(art.name)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
