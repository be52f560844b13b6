"""The Requests tab: platform data requests of the open case — list with status and deadlines,
a draft dialog with live missing-field feedback and a PDF preview, status updates, deadlines,
and response statistics as a chart with CSV export.

    tab = RequestsTab(case, lang="ko")      # lang=None follows evidence_kit.gui.i18n when present

All work goes through evidence_kit.core.requests; drafting is quick (a PDF renders in well under
a second), so it runs on the main thread. Errors are shown inline, never as a traceback.
"""

from __future__ import annotations

import contextlib
import importlib
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QDate,
    QIODevice,
    QModelIndex,
    QObject,
    Qt,
    QThread,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core.case import Case
from ..core.errors import EvidenceKitError, InputError
from ..core.requests import (
    FIELDS,
    DueEntry,
    Request,
    RequestSpec,
    StatRow,
    check_draft,
    default_fields,
    draft_request,
    due,
    export_outputs,
    field_label,
    get_platform,
    get_request,
    list_requests,
    load_platforms,
    read_output,
    render_draft,
    stats,
    status_label,
    type_label,
    update_request,
    write_stats_csv,
)
from ..core.requests.model import platform_info
from ..core.requests.store import next_reference, today_kst
from ..core.requests.types import TRANSITIONS
from ..core.roles import Permission, allowed

# key: (English, Korean)
STRINGS: dict[str, tuple[str, str]] = {
    "requests.title": ("Requests", "요청"),
    "requests.new": ("New request…", "새 요청…"),
    "requests.update": ("Update status…", "상태 변경…"),
    "requests.save_files": ("Save files…", "파일 저장…"),
    "requests.refresh": ("Refresh", "새로 고침"),
    "requests.list_tab": ("Requests", "요청 목록"),
    "requests.due_tab": ("Deadlines", "기한"),
    "requests.stats_tab": ("Statistics", "통계"),
    "requests.preview": ("Preview", "미리 보기"),
    "requests.details": ("Details", "상세"),
    "requests.col.reference": ("Reference", "문서번호"),
    "requests.col.platform": ("Platform", "플랫폼"),
    "requests.col.type": ("Type", "유형"),
    "requests.col.status": ("Status", "상태"),
    "requests.col.sent": ("Sent", "발송일"),
    "requests.col.expires": ("Preservation expires", "보전 만료일"),
    "requests.col.next": ("Next deadline", "다음 기한"),
    "requests.col.items": ("Items", "증거물"),
    "requests.col.due": ("Due", "기한"),
    "requests.col.days": ("Days left", "남은 일수"),
    "requests.col.todo": ("What to do", "할 일"),
    "requests.col.drafted": ("Drafted", "작성"),
    "requests.col.answered": ("Answered", "회신"),
    "requests.col.refused": ("Refused", "거부"),
    "requests.col.unanswered": ("Unanswered", "미회신"),
    "requests.col.median": ("Median days to answer", "회신까지 중앙값(일)"),
    "requests.empty": ("No requests yet. Start with “New request…”.", "요청이 없습니다. ‘새 요청…’으로 시작하세요."),
    "requests.nothing_due": ("Nothing is due.", "처리할 기한이 없습니다."),
    "requests.due_summary": ("{due} deadline(s) within 14 days, {overdue} overdue",
                             "14일 이내 기한 {due}건, 기한 경과 {overdue}건"),
    "requests.overdue": ("overdue by {days} day(s)", "{days}일 경과"),
    "requests.export_csv": ("Export CSV…", "CSV 내보내기…"),
    "requests.csv_written": ("Statistics written to {path}", "통계를 저장했습니다: {path}"),
    "requests.files_written": ("{count} file(s) written to {path}", "{count}개 파일을 저장했습니다: {path}"),
    "requests.drafted": ("{reference} drafted, stored and logged.", "{reference} 작성·저장·기록 완료."),
    "requests.updated": ("{reference}: {status}", "{reference}: {status}"),
    "requests.select_first": ("Select a request first.", "먼저 요청을 선택하세요."),
    "requests.no_preview": ("Select a request to see its letter.", "요청을 선택하면 요청서가 보입니다."),
    "requests.send_to": ("Send to", "제출처"),
    "requests.history": ("History", "이력"),
    "requests.fields": ("Fields", "입력 항목"),
    "requests.outputs": ("Files (stored encrypted)", "파일(암호화 저장)"),
    "requests.no_stats": ("No requests to count yet.", "집계할 요청이 없습니다."),
    "requests.chart_title": ("Answers per platform and request type", "플랫폼·요청 유형별 회신 현황"),
    "draft.title": ("New platform request", "새 플랫폼 요청"),
    "draft.platform": ("Platform", "플랫폼"),
    "draft.type": ("Request type", "요청 유형"),
    "draft.language": ("Language", "언어"),
    "draft.items": ("Items (of this platform)", "증거물(이 플랫폼)"),
    "draft.fields": ("Request details", "요청서 내용"),
    "draft.required": ("* required for this platform and type", "* 이 플랫폼·유형의 필수 항목"),
    "draft.missing": ("Missing: {fields}", "누락: {fields}"),
    "draft.invalid": ("Check: {problems}", "확인 필요: {problems}"),
    "draft.ready": ("Ready to draft.", "작성할 수 있습니다."),
    "draft.preview": ("Preview", "미리 보기"),
    "draft.create": ("Draft and store", "작성 및 저장"),
    "draft.no_items": ("No items of this platform in the case.", "이 플랫폼의 증거물이 없습니다."),
    "draft.facts": ("Platform facts as of {as_of} ({status}); source: {source}",
                    "플랫폼 정보 기준일 {as_of} ({status}); 출처: {source}"),
    "draft.browse": ("Browse…", "찾아보기…"),
    "draft.cancel": ("Cancel", "취소"),
    "draft.messages": ("Cite messages", "메시지 인용"),
    "draft.messages_hint": ("Telegram chat messages, e.g. E0003: 12, 15; E0004: 7",
                            "텔레그램 대화 메시지, 예: E0003: 12, 15; E0004: 7"),
    "draft.working": ("Drafting: rendering, storing and logging…", "작성 중: 문서 생성, 저장, 기록…"),
    "due.not_sent": ("send it", "발송 필요"),
    "due.extension_due": ("extend preservation", "보전 연장"),
    "due.extension_impossible": ("cannot extend: legal process", "연장 불가: 법적 절차"),
    "due.lapsed": ("preservation lapsed", "보전 만료"),
    "due.answer_overdue": ("follow up", "회신 독촉"),
    "status.title": ("Update request status", "요청 상태 변경"),
    "status.new": ("New status", "새 상태"),
    "status.date": ("Date", "일자"),
    "status.channel": ("Channel", "제출 경로"),
    "status.reference": ("Platform's reference", "플랫폼 접수번호"),
    "status.note": ("Note", "메모"),
    "status.expires": ("Expiry confirmed by the platform", "플랫폼이 확인한 만료일"),
    "status.closed": ("This request is closed.", "종료된 요청입니다."),
    "lang.ko": ("Korean", "한국어"),
    "lang.en": ("English", "영어"),
}


def _i18n() -> ModuleType | None:
    """The application's translation module, when the GUI shell provides one."""
    try:
        module = importlib.import_module("evidence_kit.gui.i18n")
    except ImportError:
        return None
    with contextlib.suppress(Exception):
        module.register(STRINGS)
    return module


class _Text:
    """Strings of this tab in one language; follows the app's i18n when no language is forced."""

    def __init__(self, lang: str | None) -> None:
        self.forced = lang
        self.i18n = _i18n()

    @property
    def lang(self) -> str:
        if self.forced in ("ko", "en"):
            return self.forced
        if self.i18n is not None:
            with contextlib.suppress(Exception):
                current = str(self.i18n.language())
                if current in ("ko", "en"):
                    return current
        return "ko"

    def __call__(self, key: str, **fields: object) -> str:
        en, ko = STRINGS.get(key, (key, key))
        text = ko if self.lang == "ko" else en
        return text.format(**fields) if fields else text


def _error_text(exc: BaseException, lang: str) -> str:
    msg = exc.message if isinstance(exc, EvidenceKitError) else str(exc)
    if " / " in msg:  # core messages are "English. / 한국어."
        en, _, ko = msg.partition(" / ")
        return ko if lang == "ko" and ko.strip() else en
    return msg


# -- the list model -------------------------------------------------------------------------
class RequestsModel(QAbstractTableModel):
    COLUMNS = ("reference", "status", "next", "platform", "type", "sent", "expires", "items")

    def __init__(self, text: _Text, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.t = text
        self.rows: list[Request] = []
        self.next_due: dict[int, DueEntry] = {}

    def set_rows(self, rows: list[Request], entries: list[DueEntry]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.next_due = {}
        for e in entries:
            self.next_due.setdefault(e.request.id, e)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | Any = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | Any = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.t(f"requests.col.{self.COLUMNS[section]}")
        return None

    def data(self, index: QModelIndex | Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        lang = self.t.lang
        entry = self.next_due.get(r.id)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "reference":
                return r.reference
            if col == "platform":
                with contextlib.suppress(EvidenceKitError):
                    return get_platform(r.platform).display_name(lang)
                return r.platform
            if col == "type":
                return type_label(r.type, lang)
            if col == "status":
                return status_label(r.status, lang)
            if col == "sent":
                return r.sent_date
            if col == "expires":
                return r.expires_date
            if col == "next":
                return f"{entry.due_date} · {self.t('due.' + entry.kind)}" if entry else ""
            if col == "items":
                return ", ".join(e.rsplit("-", 1)[-1] for e in r.exhibits)
        if role == Qt.ItemDataRole.ForegroundRole and col == "next" and entry is not None and entry.overdue:
            return QBrush(QColor("#B00020"))
        if role == Qt.ItemDataRole.ToolTipRole and col == "next" and entry is not None:
            return entry.message(lang)
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        return None


# -- the chart ------------------------------------------------------------------------------
def _make_chart(text: _Text, rows: list[StatRow]) -> QWidget:
    """A stacked bar chart of answered / refused / unanswered per platform and type (QtCharts;
    a painted fallback where QtCharts is missing)."""
    data = [r for r in rows if r.platform != "*"]
    try:
        from PySide6.QtCharts import (
            QBarCategoryAxis,
            QBarSet,
            QChart,
            QChartView,
            QHorizontalStackedBarSeries,
            QValueAxis,
        )
    except ImportError:  # pragma: no cover - PySide6 wheels ship QtCharts
        return _PaintedChart(text, data)
    chart = QChart()
    chart.setTitle(text("requests.chart_title"))
    series = QHorizontalStackedBarSeries()
    colours = {"answered": "#1E8E3E", "refused": "#B00020", "unanswered": "#F9AB00"}
    for key, colour in colours.items():
        bar_set = QBarSet(text(f"requests.col.{key}"))
        bar_set.setColor(QColor(colour))
        bar_set.append([float(getattr(r, key)) for r in data])
        series.append(bar_set)
    chart.addSeries(series)
    categories = [f"{r.platform} · {type_label(r.type, text.lang)}" for r in data]
    axis_y = QBarCategoryAxis()
    axis_y.append(categories)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    axis_x = QValueAxis()
    axis_x.setLabelFormat("%d")
    axis_x.setRange(0, max([r.sent for r in data] + [1]))
    axis_x.setTickCount(min(max([r.sent for r in data] + [1]) + 1, 11))
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    view.setObjectName("requestsChart")
    return view


class _PaintedChart(QWidget):  # pragma: no cover - used only without QtCharts
    def __init__(self, text: _Text, rows: list[StatRow]) -> None:
        super().__init__()
        self.rows, self.t = rows, text
        self.setMinimumHeight(220)

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        top = max([r.sent for r in self.rows] + [1])
        h = max(12, (self.height() - 10) // max(1, len(self.rows)))
        for i, r in enumerate(self.rows):
            x, y = 180, 5 + i * h
            p.drawText(4, y + h - 4, f"{r.platform} · {r.type}")
            for key, colour in (("answered", "#1E8E3E"), ("refused", "#B00020"), ("unanswered", "#F9AB00")):
                w = int((self.width() - 190) * getattr(r, key) / top)
                p.fillRect(x, y + 2, w, h - 4, QColor(colour))
                x += w
        p.end()


# -- the tab --------------------------------------------------------------------------------
class RequestsTab(QWidget):
    """Platform requests of one open case. Emits `changed` after every draft or status change."""

    changed = Signal()

    def __init__(self, case: Case, lang: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.t = _Text(lang)
        self._pdf_buffer: QBuffer | None = None
        self._pdf_doc: Any = None
        self.dialog: DraftDialog | None = None
        self.status_dialog: StatusDialog | None = None

        self.new_button = QPushButton()
        self.new_button.clicked.connect(self.open_draft_dialog)
        self.update_button = QPushButton()
        self.update_button.clicked.connect(self.open_status_dialog)
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self.save_files)
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self.refresh)
        self.due_banner = QLabel()
        self.due_banner.setObjectName("dueBanner")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        for b in (self.new_button, self.update_button, self.save_button, self.refresh_button):
            top.addWidget(b)
        top.addStretch(1)
        top.addWidget(self.due_banner)

        self.model = RequestsModel(self.t, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        self.empty_label = QLabel()

        self.preview = _make_pdf_view(self)
        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(False)
        self.side = QTabWidget()
        self.side.addTab(self.preview, "")
        self.side.addTab(self.details, "")
        list_page = QWidget()
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.table)
        left.addWidget(self.empty_label)
        left_box = QWidget()
        left_box.setLayout(left)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_box)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([800, 560])
        lp = QVBoxLayout(list_page)
        lp.setContentsMargins(0, 0, 0, 0)
        lp.addWidget(splitter)

        self.due_table = QTableWidget(0, 5)
        self.due_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.due_table.verticalHeader().hide()
        self.due_table.horizontalHeader().setStretchLastSection(True)
        self.due_table.cellDoubleClicked.connect(self._open_due)

        self.stats_table = QTableWidget(0, 8)
        self.stats_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stats_table.verticalHeader().hide()
        self.csv_button = QPushButton()
        self.csv_button.clicked.connect(self.export_csv)
        self.chart_holder = QVBoxLayout()
        stats_page = QWidget()
        sp = QVBoxLayout(stats_page)
        sp.addLayout(self.chart_holder, 3)
        sp.addWidget(self.stats_table, 2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.csv_button)
        sp.addLayout(row)
        self.chart: QWidget | None = None

        self.tabs = QTabWidget()
        self.tabs.addTab(list_page, "")
        self.tabs.addTab(self.due_table, "")
        self.tabs.addTab(stats_page, "")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        if self.t.i18n is not None:
            with contextlib.suppress(Exception):
                self.t.i18n.notifier().changed.connect(self.retranslate)
        self.retranslate()

    # ---- language ----
    def set_language(self, lang: str) -> None:
        self.t.forced = lang
        self.retranslate()

    def retranslate(self, *args: object) -> None:
        t = self.t
        self.new_button.setText(t("requests.new"))
        self.update_button.setText(t("requests.update"))
        self.save_button.setText(t("requests.save_files"))
        self.refresh_button.setText(t("requests.refresh"))
        self.csv_button.setText(t("requests.export_csv"))
        self.side.setTabText(0, t("requests.preview"))
        self.side.setTabText(1, t("requests.details"))
        self.tabs.setTabText(0, t("requests.list_tab"))
        self.tabs.setTabText(1, t("requests.due_tab"))
        self.tabs.setTabText(2, t("requests.stats_tab"))
        self.due_table.setHorizontalHeaderLabels([t("requests.col.due"), t("requests.col.days"),
                                                  t("requests.col.reference"), t("requests.col.type"),
                                                  t("requests.col.todo")])
        self.stats_table.setHorizontalHeaderLabels([t(f"requests.col.{k}") for k in (
            "platform", "type", "drafted", "sent", "answered", "refused", "unanswered", "median")])
        self.refresh()

    # ---- data ----
    def refresh(self) -> None:
        selected = self.selected_id()
        try:
            rows = list_requests(self.case)
            entries = due(self.case)
            stat_rows = stats(self.case)
        except EvidenceKitError as exc:
            self.show_message(_error_text(exc, self.t.lang), error=True)
            return
        self.model.set_rows(rows, entries)
        self.empty_label.setText(self.t("requests.empty") if not rows else "")
        self.empty_label.setVisible(not rows)
        overdue = sum(1 for e in entries if e.overdue)
        self.due_banner.setText(self.t("requests.due_summary", due=len(entries), overdue=overdue))
        self.due_banner.setStyleSheet("color: #B00020; font-weight: bold;" if overdue else "")
        self._fill_due(entries)
        self._fill_stats(stat_rows)
        if selected is not None:
            self.select(selected)
        self._update_buttons()

    def _fill_due(self, entries: list[DueEntry]) -> None:
        lang = self.t.lang
        self.due_table.setRowCount(len(entries))
        for i, e in enumerate(entries):
            days = self.t("requests.overdue", days=-e.days_left) if e.overdue else str(e.days_left)
            values = [e.due_date, days, e.request.reference,
                      f"{e.request.platform} · {type_label(e.request.type, lang)}", e.message(lang)]
            for j, v in enumerate(values):
                cell = QTableWidgetItem(v)
                if e.overdue:
                    cell.setForeground(QBrush(QColor("#B00020")))
                self.due_table.setItem(i, j, cell)
        self.due_table.resizeColumnsToContents()

    def _open_due(self, row: int, column: int) -> None:
        """Double-click a deadline: show that request in the list."""
        cell = self.due_table.item(row, 2)
        if cell is None:
            return
        for r in self.model.rows:
            if r.reference == cell.text():
                self.tabs.setCurrentIndex(0)
                self.select(r.id)
                return

    def _fill_stats(self, rows: list[StatRow]) -> None:
        lang = self.t.lang
        self.stats_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = [r.platform if r.platform != "*" else self.t("requests.col.platform") + " Σ",
                      type_label(r.type, lang) if r.type != "*" else "", str(r.drafted), str(r.sent),
                      str(r.answered), str(r.refused), str(r.unanswered), r.median_text()]
            for j, v in enumerate(values):
                self.stats_table.setItem(i, j, QTableWidgetItem(v))
        self.stats_table.resizeColumnsToContents()
        if self.chart is not None:
            self.chart_holder.removeWidget(self.chart)
            self.chart.deleteLater()
        self.chart = _make_chart(self.t, rows) if rows else QLabel(self.t("requests.no_stats"))
        self.chart_holder.addWidget(self.chart)
        self.csv_button.setEnabled(bool(rows))

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return int(self.model.rows[rows[0].row()].id)

    def select(self, request_id: int) -> None:
        for i, r in enumerate(self.model.rows):
            if r.id == request_id:
                self.table.selectRow(i)
                return

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        may_request = allowed(self.case.role, Permission.REQUEST)  # auditors and investigators only read
        self.new_button.setEnabled(may_request)
        self.update_button.setEnabled(has and may_request)
        self.save_button.setEnabled(has)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #B00020;" if error else "color: #1E6B34;")

    def _show_selected(self, *args: object) -> None:
        self._update_buttons()
        rid = self.selected_id()
        if rid is None:
            self.details.setPlainText(self.t("requests.no_preview"))
            return
        try:
            req = get_request(self.case, rid)
            self.details.setHtml(self._details_html(req))
            out = req.output("pdf")
            if out is not None:
                self.load_pdf(read_output(self.case, out))
        except EvidenceKitError as exc:
            self.show_message(_error_text(exc, self.t.lang), error=True)

    def load_pdf(self, data: bytes) -> None:
        if self._pdf_doc is None:
            return
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._pdf_doc.load(buffer)
        if self._pdf_buffer is not None:
            self._pdf_buffer.deleteLater()
        self._pdf_buffer = buffer  # QPdfDocument reads from it lazily: keep it alive

    def pdf_page_count(self) -> int:
        return int(self._pdf_doc.pageCount()) if self._pdf_doc is not None else 0

    def _details_html(self, r: Request) -> str:
        import html

        t, lang = self.t, self.t.lang
        esc = html.escape
        platform = get_platform(r.platform)
        parts = [f"<h3>{esc(r.reference)}</h3>",
                 f"<p>{esc(platform.display_name(lang))} · {esc(type_label(r.type, lang))} · "
                 f"<b>{esc(status_label(r.status, lang))}</b></p>"]
        parts.append(f"<h4>{t('requests.send_to')}</h4><ul>")
        for c in platform.channels_for(r.type):
            parts.append(f"<li>{esc(c.label.get(lang) or c.label['en'])}: <code>{esc(c.address)}</code> "
                         f"<small>({esc(c.status)}, {esc(c.as_of)})</small></li>")
        parts.append("</ul>")
        if r.expires_date:
            parts.append(f"<p>{t('requests.col.expires')}: <b>{esc(r.expires_date)}</b> "
                         f"({t('requests.col.next')}: {esc(r.extension_due)})</p>")
        parts.append(f"<h4>{t('requests.history')}</h4><ul>")
        for h in r.history:
            extra = " · ".join(esc(x) for x in (h.channel, h.reference, h.note) if x)
            parts.append(f"<li>{esc(h.date)} — {esc(status_label(h.status, lang))} ({esc(h.actor)}, "
                         f"#{h.seq}){' · ' + extra if extra else ''}</li>")
        parts.append(f"</ul><h4>{t('requests.col.items')}</h4><ul>")
        for it in r.items:
            parts.append(f"<li>{esc(str(it.get('exhibit', '')))} — {esc(str(it.get('canonical_url', '')))}</li>")
        parts.append(f"</ul><h4>{t('requests.fields')}</h4><table>")
        for k, v in r.fields.items():
            parts.append(f"<tr><td><b>{esc(field_label(k, lang))}</b></td><td>{esc(v)}</td></tr>")
        parts.append(f"</table><h4>{t('requests.outputs')}</h4><ul>")
        for o in r.outputs:
            parts.append(f"<li>{esc(o.name)} · {o.size} B · SHA-256 <code>{esc(o.sha256)}</code></li>")
        parts.append("</ul>")
        return "".join(parts)

    # ---- actions ----
    def open_draft_dialog(self, platform: str = "", exhibits: list[str] | tuple[str, ...] = ()) -> DraftDialog:
        """Open the draft dialog, optionally for a platform and items chosen elsewhere (e.g. the
        evidence browser's selection)."""
        self.dialog = DraftDialog(self.case, self.t, self)
        if platform:
            with contextlib.suppress(EvidenceKitError):
                self.dialog.set_platform(get_platform(platform).id)
        if exhibits:
            self.dialog.set_items_checked(list(exhibits))
        self.dialog.drafted.connect(self._on_drafted)
        self.dialog.open()
        return self.dialog

    def _on_drafted(self, request_id: int) -> None:
        self.refresh()
        self.select(request_id)
        with contextlib.suppress(EvidenceKitError):
            self.show_message(self.t("requests.drafted", reference=get_request(self.case, request_id).reference))
        self.changed.emit()

    def open_status_dialog(self) -> StatusDialog | None:
        rid = self.selected_id()
        if rid is None:
            self.show_message(self.t("requests.select_first"), error=True)
            return None
        self.status_dialog = StatusDialog(self.case, get_request(self.case, rid), self.t, self)
        self.status_dialog.updated.connect(self._on_updated)
        self.status_dialog.open()
        return self.status_dialog

    def _on_updated(self, request_id: int) -> None:
        self.refresh()
        self.select(request_id)
        req = get_request(self.case, request_id)
        self.show_message(self.t("requests.updated", reference=req.reference,
                                 status=status_label(req.status, self.t.lang)))
        self.changed.emit()

    def save_files(self, folder: str | None = None) -> list[Path]:
        rid = self.selected_id()
        if rid is None:
            self.show_message(self.t("requests.select_first"), error=True)
            return []
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, self.t("requests.save_files"))
            if not folder:
                return []
        try:
            written = export_outputs(self.case, get_request(self.case, rid), folder)
        except (EvidenceKitError, OSError) as exc:
            self.show_message(_error_text(exc, self.t.lang), error=True)
            return []
        self.show_message(self.t("requests.files_written", count=len(written), path=folder))
        return written

    def export_csv(self, path: str | None = None) -> Path | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.t("requests.export_csv"), "request-statistics.csv",
                                                  "CSV (*.csv)")
            if not path:
                return None
        try:
            written = write_stats_csv(stats(self.case), path)
        except (EvidenceKitError, OSError) as exc:
            self.show_message(_error_text(exc, self.t.lang), error=True)
            return None
        self.show_message(self.t("requests.csv_written", path=str(written)))
        return written


def _make_pdf_view(parent: RequestsTab) -> QWidget:
    """QtPdf's viewer when available (PySide6 ships it), else a label."""
    try:
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView
    except ImportError:  # pragma: no cover
        return QLabel(parent.t("requests.no_preview"))
    doc = QPdfDocument(parent)
    view = QPdfView(parent)
    view.setDocument(doc)
    view.setPageMode(QPdfView.PageMode.MultiPage)
    view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
    parent._pdf_doc = doc
    return view


# -- the draft dialog -----------------------------------------------------------------------
class DraftDialog(QDialog):
    """Platform, type, language, items and fields; shows what is missing as you type."""

    drafted = Signal(int)
    preview_ready = Signal(object)  # the PDF bytes

    def __init__(self, case: Case, text: _Text, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case, self.t = case, text
        self._workers: list[_Worker] = []
        self.setWindowTitle(text("draft.title"))
        self.resize(980, 760)
        self.platforms = load_platforms()
        self._items = case.items(with_artifacts=False)
        self._item_platform = {it.exhibit: str(platform_info(it).get("platform") or "") for it in self._items}

        self.platform_box = QComboBox()
        for pid, p in self.platforms.items():
            self.platform_box.addItem(p.display_name(text.lang), pid)
        self.type_box = QComboBox()
        self.lang_box = QComboBox()
        self.lang_box.addItem(text("lang.ko"), "ko")
        self.lang_box.addItem(text("lang.en"), "en")
        if text.lang == "en":
            self.lang_box.setCurrentIndex(1)
        self.item_list = QListWidget()
        self.item_list.setMinimumHeight(80)
        self.item_list.setMaximumHeight(150)
        self.send_to = QLabel()
        self.send_to.setWordWrap(True)
        self.send_to.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("missingLabel")

        defaults = default_fields(case)
        self.inputs: dict[str, QLineEdit | QPlainTextEdit | QCheckBox] = {}
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, (_en, _ko, kind) in FIELDS.items():
            if key == "case_number":
                continue  # always the case's own number
            widget: QLineEdit | QPlainTextEdit | QCheckBox
            if kind == "flag":
                widget = QCheckBox()
                widget.setChecked(defaults.get(key, "") == "yes")
                widget.toggled.connect(self.update_state)
            elif kind == "text":
                widget = QPlainTextEdit()
                widget.setFixedHeight(64)
                widget.setPlainText(defaults.get(key, ""))
                widget.textChanged.connect(self.update_state)
            else:
                widget = QLineEdit(defaults.get(key, ""))
                if kind == "date":
                    widget.setPlaceholderText("YYYY-MM-DD")
                widget.textChanged.connect(self.update_state)
            self.inputs[key] = widget
            label = QLabel()
            self.labels[key] = label
            if kind == "path":
                row = QHBoxLayout()
                row.addWidget(widget, 1)
                browse = QPushButton(text("draft.browse"))
                browse.clicked.connect(self._browse_logo)
                row.addWidget(browse)
                form.addRow(label, row)
            else:
                form.addRow(label, widget)
        fields_box = QWidget()
        fields_box.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(fields_box)

        head = QFormLayout()
        head.addRow(text("draft.platform"), self.platform_box)
        head.addRow(text("draft.type"), self.type_box)
        head.addRow(text("draft.language"), self.lang_box)
        head.addRow(text("draft.items"), self.item_list)
        self.messages_edit = QLineEdit()
        self.messages_edit.setPlaceholderText(text("draft.messages_hint"))
        self.messages_edit.textChanged.connect(self.update_state)
        self.messages_label = QLabel(text("draft.messages"))
        head.addRow(self.messages_label, self.messages_edit)
        head.addRow(text("requests.send_to"), self.send_to)
        left = QVBoxLayout()
        left.addLayout(head)
        left.addWidget(QLabel(f"<b>{text('draft.fields')}</b> <small>{text('draft.required')}</small>"))
        left.addWidget(scroll, 1)
        left.addWidget(self.status)
        left_w = QWidget()
        left_w.setLayout(left)

        self.preview = QWidget()
        self._pdf_doc: Any = None
        self._pdf_buffer: QBuffer | None = None
        with contextlib.suppress(ImportError):
            from PySide6.QtPdf import QPdfDocument
            from PySide6.QtPdfWidgets import QPdfView

            self._pdf_doc = QPdfDocument(self)
            view = QPdfView(self)
            view.setDocument(self._pdf_doc)
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            self.preview = view
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_w)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.buttons = QDialogButtonBox()
        self.preview_button = self.buttons.addButton(text("draft.preview"), QDialogButtonBox.ButtonRole.ActionRole)
        self.create_button = self.buttons.addButton(text("draft.create"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(text("draft.cancel"))
        self.preview_button.clicked.connect(self.render_preview)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)

        self.platform_box.currentIndexChanged.connect(self._platform_changed)
        self.type_box.currentIndexChanged.connect(self.update_state)
        self.lang_box.currentIndexChanged.connect(self.update_state)
        self.item_list.itemChanged.connect(self.update_state)
        self._platform_changed()

    # ---- state ----
    def _browse_logo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, field_label("agency_logo", self.t.lang), "",
                                              "Images (*.png *.jpg *.jpeg)")
        if path:
            widget = self.inputs["agency_logo"]
            if isinstance(widget, QLineEdit):
                widget.setText(path)

    def platform_id(self) -> str:
        return str(self.platform_box.currentData())

    def set_platform(self, pid: str) -> None:
        self.platform_box.setCurrentIndex(self.platform_box.findData(pid))

    def set_type(self, rtype: str) -> None:
        self.type_box.setCurrentIndex(self.type_box.findData(rtype))

    def set_language(self, lang: str) -> None:
        self.lang_box.setCurrentIndex(self.lang_box.findData(lang))

    def set_field(self, key: str, value: str) -> None:
        widget = self.inputs[key]
        if isinstance(widget, QCheckBox):
            widget.setChecked(value.strip().lower() in ("yes", "1", "true", "예"))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        else:
            widget.setText(value)

    def set_items_checked(self, exhibits: list[str]) -> None:
        wanted = set(exhibits)
        for i in range(self.item_list.count()):
            it = self.item_list.item(i)
            ex = str(it.data(Qt.ItemDataRole.UserRole))
            it.setCheckState(Qt.CheckState.Checked if ex in wanted or ex.rsplit("-", 1)[-1] in wanted
                             else Qt.CheckState.Unchecked)

    def checked_items(self) -> list[str]:
        return [str(self.item_list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.item_list.count())
                if self.item_list.item(i).checkState() == Qt.CheckState.Checked]

    def fields(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QCheckBox):
                out[key] = "yes" if widget.isChecked() else "no"
            elif isinstance(widget, QPlainTextEdit):
                out[key] = widget.toPlainText()
            else:
                out[key] = widget.text()
        return out

    def cited_messages(self) -> dict[str, list[int]]:
        """"E0003: 12, 15; E0004: 7" → {"E0003": [12, 15], "E0004": [7]}; raises InputError."""
        out: dict[str, list[int]] = {}
        for part in self.messages_edit.text().split(";"):
            if not part.strip():
                continue
            item, sep, ids = part.partition(":")
            try:
                numbers = [int(x) for x in ids.replace(" ", "").split(",") if x]
            except ValueError:
                numbers = []
            if not sep or not item.strip() or not numbers:
                raise InputError(f"Cite messages as E0003: 12, 15 (not {part.strip()!r}). / "
                                 "메시지는 'E0003: 12, 15' 형식으로 입력하세요.")
            out.setdefault(item.strip(), []).extend(numbers)
        return out

    def spec(self) -> RequestSpec:
        return RequestSpec(self.platform_id(), str(self.type_box.currentData()), self.checked_items(),
                           lang=str(self.lang_box.currentData()), fields=self.fields(),
                           messages=self.cited_messages())

    def _platform_changed(self, *args: object) -> None:
        p = self.platforms[self.platform_id()]
        telegram = not p.covers or "telegram" in p.covers  # chats are Telegram; KCSC takes any item
        self.messages_edit.setVisible(telegram)
        self.messages_label.setVisible(telegram)
        if not telegram:
            self.messages_edit.clear()
        self.type_box.blockSignals(True)
        self.type_box.clear()
        for t in p.request_types:
            self.type_box.addItem(type_label(t, self.t.lang), t)
        self.type_box.blockSignals(False)
        self.item_list.blockSignals(True)
        self.item_list.clear()
        for it in self._items:
            value = self._item_platform.get(it.exhibit, "")
            if p.covers and value not in p.covers:
                continue  # one request covers one platform; KCSC (no covers) takes any site
            entry = QListWidgetItem(f"{it.exhibit}  {it.title or it.source}")
            entry.setData(Qt.ItemDataRole.UserRole, it.exhibit)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.item_list.addItem(entry)
        if self.item_list.count() == 0:
            entry = QListWidgetItem(self.t("draft.no_items"))
            entry.setFlags(Qt.ItemFlag.NoItemFlags)
            self.item_list.addItem(entry)
        self.item_list.blockSignals(False)
        self.update_state()

    def update_state(self, *args: object) -> bool:
        """Refresh required markers, where to send, and the missing-field feedback."""
        t, lang = self.t, self.t.lang
        p = self.platforms[self.platform_id()]
        rtype = str(self.type_box.currentData() or "")
        if not rtype:
            return False
        required = set(p.required_for(rtype))
        for key, label in self.labels.items():
            label.setText(field_label(key, lang) + (" *" if key in required else ""))
        lines = [f"{c.label.get(lang) or c.label['en']}: {c.address}" for c in p.channels_for(rtype)]
        fact = p.facts["preservation"]
        lines.append(t("draft.facts", as_of=fact.as_of, status=fact.status, source=fact.source))
        self.send_to.setText("\n".join(lines))
        try:
            check = check_draft(self.case, self.spec())
        except EvidenceKitError as exc:
            self._set_status(_error_text(exc, lang), ok=False)
            return False
        problems: list[str] = []
        if check.missing:
            names = [field_label(k, lang) if k in FIELDS else t("requests.col.items") for k in check.missing]
            problems.append(t("draft.missing", fields=", ".join(names)))
        if check.invalid:
            problems.append(t("draft.invalid", problems="; ".join(p_.text(lang) for p_ in check.invalid)))
        if problems:
            self._set_status("\n".join(problems), ok=False)
            return False
        warnings = [w.text(lang) for w in check.warnings]
        self._set_status("\n".join([t("draft.ready"), *warnings]), ok=True)
        return True

    def _set_status(self, text: str, *, ok: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #1E6B34;" if ok else "color: #B00020; font-weight: bold;")
        self.create_button.setEnabled(ok)
        self.preview_button.setEnabled(ok)

    def render_preview(self) -> bool:
        """Render the letter as it would be drafted, without storing anything, on a worker
        thread (a letter for many items takes a few seconds); `preview_ready` delivers it."""
        try:
            check = check_draft(self.case, self.spec())
            reference = next_reference(self.case)
        except EvidenceKitError as exc:
            self._set_status(_error_text(exc, self.t.lang), ok=False)
            return False
        if not check.ok:
            return False
        worker = _Worker(lambda: render_draft(check, reference=reference, on=today_kst(),
                                              formats=("pdf",)).outputs["pdf"], self)
        worker.succeeded.connect(self._show_preview)
        worker.failed.connect(lambda message: self._set_status(message, ok=False))
        self._start(worker)
        return True

    def _show_preview(self, data: object) -> None:
        pdf = bytes(data) if isinstance(data, bytes | bytearray) else b""
        if self._pdf_doc is not None and pdf:
            buffer = QBuffer(self)
            buffer.setData(QByteArray(pdf))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._pdf_doc.load(buffer)
            self._pdf_buffer = buffer
        self.preview_ready.emit(pdf)

    def preview_pages(self) -> int:
        return int(self._pdf_doc.pageCount()) if self._pdf_doc is not None else 0

    def _start(self, worker: _Worker) -> None:
        self._workers.append(worker)
        worker.finished.connect(lambda w=worker: self._workers.remove(w) if w in self._workers else None)
        worker.start()

    def busy(self) -> bool:
        return any(w.isRunning() for w in self._workers)

    def accept(self) -> None:
        if self.busy() or not self.update_state():
            return
        spec = self.spec()
        case = self.case

        def work() -> int:
            # a sqlcipher connection belongs to the thread that opened it: draft on a clone
            with case.clone() as handle:
                return draft_request(handle, spec).id

        worker = _Worker(work, self)
        worker.succeeded.connect(self._drafted)
        worker.failed.connect(self._draft_failed)
        self._set_status(self.t("draft.working"), ok=False)
        self.platform_box.setEnabled(False)
        self._start(worker)

    def _draft_failed(self, message: str) -> None:
        self._set_status(message, ok=False)
        self.platform_box.setEnabled(True)

    def _drafted(self, request_id: object) -> None:
        self.drafted.emit(int(request_id))  # type: ignore[call-overload]
        super().accept()

    def done(self, result: int) -> None:
        for w in list(self._workers):  # never leave a thread running behind a closed dialog
            w.wait()
        super().done(result)


class _Worker(QThread):
    """Runs one function off the main thread; its result or a user-fit message comes back by
    signal (delivered on the main thread, where widgets may be touched)."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._lang = "en"
        with contextlib.suppress(Exception):
            self._lang = parent.t.lang  # type: ignore[union-attr]

    def run(self) -> None:
        try:
            result = self._fn()
        except EvidenceKitError as exc:
            self.failed.emit(_error_text(exc, self._lang))
            return
        except Exception as exc:  # a bug must not kill the app; the message names it without a traceback
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.succeeded.emit(result)


# -- the status dialog ----------------------------------------------------------------------
class StatusDialog(QDialog):
    updated = Signal(int)

    def __init__(self, case: Case, request: Request, text: _Text, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case, self.request, self.t = case, request, text
        lang = text.lang
        self.setWindowTitle(f"{text('status.title')}: {request.reference}")
        self.status_box = QComboBox()
        for s in sorted(TRANSITIONS.get(request.status, frozenset())):
            self.status_box.addItem(status_label(s, lang), s)
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.channel = QLineEdit(request.channel)
        with contextlib.suppress(EvidenceKitError):
            channels = get_platform(request.platform).channels_for(request.type)
            if channels and not request.channel:
                self.channel.setText(channels[0].kind)
        self.reference = QLineEdit(request.platform_reference)
        self.note = QLineEdit()
        self.expires_check = QCheckBox(text("status.expires"))
        self.expires_edit = QDateEdit(QDate.currentDate().addDays(90))
        self.expires_edit.setCalendarPopup(True)
        self.expires_edit.setDisplayFormat("yyyy-MM-dd")
        self.expires_edit.setEnabled(False)
        self.expires_check.toggled.connect(self.expires_edit.setEnabled)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020;")
        form = QFormLayout()
        form.addRow(text("status.new"), self.status_box)
        form.addRow(text("status.date"), self.date_edit)
        form.addRow(text("status.channel"), self.channel)
        form.addRow(text("status.reference"), self.reference)
        form.addRow(text("status.note"), self.note)
        if request.type.startswith("preservation"):
            form.addRow(self.expires_check, self.expires_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(text("draft.cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        if self.status_box.count() == 0:
            self.error.setText(text("status.closed"))
            buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def set_status(self, status: str) -> None:
        self.status_box.setCurrentIndex(self.status_box.findData(status))

    def set_date(self, when: date) -> None:
        self.date_edit.setDate(QDate(when.year, when.month, when.day))

    def accept(self) -> None:
        status = self.status_box.currentData()
        if not status:
            return
        qd = self.date_edit.date()
        when = date(qd.year(), qd.month(), qd.day())
        expires = None
        if self.expires_check.isChecked():
            qe = self.expires_edit.date()
            expires = date(qe.year(), qe.month(), qe.day())
        try:
            update_request(self.case, self.request.id, str(status), on=when, channel=self.channel.text(),
                           reference=self.reference.text(), note=self.note.text(), expires=expires)
        except EvidenceKitError as exc:
            self.error.setText(_error_text(exc, self.t.lang))
            return
        self.updated.emit(self.request.id)
        super().accept()
