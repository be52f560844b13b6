"""The custody log: every ledger event (1,000,000 open at once: rows are read a page at a time),
filterable by exhibit, user and action, and "Verify now", which runs case.verify() in the
background and lists exactly what fails.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core import listing
from ..core.case import Case, VerifyReport
from . import i18n
from .detail_pane import _action_label, _details_summary
from .evidence_model import local_time, short_exhibit
from .i18n import tr
from .workers import Task, TaskRegistry

PAGE = 500
MAX_PAGES = 40
COLUMNS = ("seq", "at", "actor", "role", "action", "item", "details", "hash")
_Index = QModelIndex | QPersistentModelIndex


class LedgerModel(QAbstractTableModel):
    def __init__(self, case: Case, parent: Any = None) -> None:
        super().__init__(parent)
        self.case = case
        self.filter = listing.EventFilter()
        self._index = listing.EventIndex(case)
        self._pages: OrderedDict[int, dict[int, listing.EventRow]] = OrderedDict()
        self.failing: set[int] = set()   # seqs named by the last verification

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._index)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(f"col.{COLUMNS[section]}")
        return None

    def event(self, row: int) -> listing.EventRow | None:  # type: ignore[override]
        if not 0 <= row < len(self._index):
            return None
        page_no = row // PAGE
        page = self._pages.get(page_no)
        if page is None:
            page = listing.event_rows(self.case, self._index.seqs(page_no * PAGE, (page_no + 1) * PAGE))
            self._pages[page_no] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        return page.get(self._index.seq(row))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        ev = self.event(index.row())
        if ev is None:
            return None
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "seq":
                return ev.seq
            if col == "at":
                return local_time(ev.at)
            if col == "role":
                return tr(f"role.{ev.role}") if ev.role in ("investigator", "case_officer", "auditor") else ev.role
            if col == "action":
                return _action_label(ev.action)
            if col == "details":
                return _details_summary(ev.details, limit=300)
            if col == "item":
                return short_exhibit(ev.item)
            if col == "hash":
                return ev.hash[:16] + "…"
            return getattr(ev, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == "at":
                return f"UTC {ev.at}"
            if col == "hash":
                return ev.hash
            if col == "item":
                return ev.item or None
            if col == "details":
                return json.dumps(ev.details, ensure_ascii=False, sort_keys=True, indent=1)[:4000]
        if role == Qt.ItemDataRole.BackgroundRole and ev.seq in self.failing:
            return QColor("#ffd7d9")
        if role == Qt.ItemDataRole.FontRole and col == "hash":
            f = QFont("monospace")
            f.setStyleHint(QFont.StyleHint.Monospace)
            return f
        return None

    def row_of(self, seq: int) -> int:
        return self._index.row_of(seq)

    def set_filter(self, flt: listing.EventFilter) -> None:
        self.filter = flt
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._index = listing.EventIndex(self.case, self.filter)
        self._pages.clear()
        self.endResetModel()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if len(self._index):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._index) - 1, len(COLUMNS) - 1))


class CustodyView(QWidget):
    """Emits verified(report) when a verification finishes (the status bar shows it)."""

    verified = Signal(object)

    def __init__(self, case: Case, tasks: TaskRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.tasks = tasks
        self.task: Task | None = None
        self.last_report: VerifyReport | None = None
        style = self.style()
        self.model = LedgerModel(case, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(COLUMNS.index("details"), QHeaderView.ResizeMode.Stretch)
        for col, width in (("seq", 60), ("at", 150), ("actor", 90), ("role", 100), ("action", 160),
                           ("item", 70), ("hash", 150)):
            self.table.setColumnWidth(COLUMNS.index(col), width)

        self.item_label = QLabel()
        self.item_filter = QLineEdit()
        self.item_filter.setClearButtonEnabled(True)
        self.item_filter.setMaximumWidth(220)
        self.item_filter.editingFinished.connect(self.apply_filter)
        self.actor_label = QLabel()
        self.actor_filter = QComboBox()
        self.action_label = QLabel()
        self.action_filter = QComboBox()
        self.actor_filter.currentIndexChanged.connect(self.apply_filter)
        self.action_filter.currentIndexChanged.connect(self.apply_filter)
        self.count = QLabel()
        self.verify_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton), "")
        self.verify_button.clicked.connect(self.verify_now)
        self.cancel_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton), "")
        self.cancel_button.clicked.connect(self.cancel_verify)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.hide()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QListWidget()
        self.problems.hide()
        self.problems.itemActivated.connect(self._problem_chosen)

        bar = QHBoxLayout()
        for w in (self.item_label, self.item_filter, self.actor_label, self.actor_filter, self.action_label,
                  self.action_filter):
            bar.addWidget(w)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.cancel_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.problems)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)
        layout.addWidget(split, 1)
        self._fill_filters()
        self.retranslate()
        i18n.notifier().changed.connect(self.retranslate)

    def _fill_filters(self) -> None:
        actor, action = self.actor_filter.currentData(), self.action_filter.currentData()
        for combo, values, current in ((self.actor_filter, listing.event_actors(self.case), actor),
                                       (self.action_filter, listing.event_actions(self.case), action)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr("custody.any"), "")
            for v in values:
                combo.addItem(_action_label(v) if combo is self.action_filter else v, v)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def retranslate(self, *_: object) -> None:
        self.item_label.setText(tr("custody.filter_item"))
        self.actor_label.setText(tr("custody.filter_actor"))
        self.action_label.setText(tr("custody.filter_action"))
        self.item_filter.setPlaceholderText("E0001")
        self.verify_button.setText(tr("action.verify"))
        self.cancel_button.setText(tr("common.cancel"))
        self._fill_filters()
        self.model.retranslate()
        self._update_count()
        if self.last_report is not None:
            self._show_report(self.last_report)

    def _update_count(self) -> None:
        self.count.setText(tr("custody.events", count=f"{self.model.rowCount():,}"))

    def apply_filter(self) -> None:
        item = self.item_filter.text().strip()
        if item and item.upper().startswith("E") and "-" not in item:
            item = f"{self.case.info.number}-{item.upper()}"
        flt = listing.EventFilter(item=item, actor=str(self.actor_filter.currentData() or ""),
                                  action=str(self.action_filter.currentData() or ""))
        if flt != self.model.filter:
            self.model.set_filter(flt)
        self._update_count()

    def refresh(self) -> None:
        """New events were written (capture, notes, reveal): show them."""
        self._fill_filters()
        self.model.reload()
        self._update_count()

    # ---- verify ----
    def verify_now(self) -> None:
        if self.task is not None:
            return
        self.verify_button.setEnabled(False)
        self.cancel_button.show()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.result.setStyleSheet("")
        self.result.setText(tr("verify.running"))
        self.problems.clear()
        self.problems.hide()
        task = Task(self.case, lambda c, progress, cancel: c.verify(progress=progress, cancel=cancel),
                    name=tr("work.verify"), parent=self)
        self.task = task
        task.progress.connect(self._progress)
        task.succeeded.connect(self._verified)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)
        task.finished.connect(self._done)
        self.tasks.add(task)
        task.start()

    def cancel_verify(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _progress(self, done: int, total: int, _message: str) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(done * 1000 / total))

    def _done(self) -> None:
        self.task = None
        self.verify_button.setEnabled(True)
        self.cancel_button.hide()
        self.progress.hide()
        self.refresh()  # the verification itself is an event

    def _failed(self, message: str) -> None:
        self.result.setStyleSheet("color: #b00020; font-weight: 600;")
        self.result.setText(i18n.error_text(message))

    def _cancelled(self) -> None:
        self.result.setStyleSheet("")
        self.result.setText(tr("verify.cancelled"))

    def _verified(self, report: VerifyReport) -> None:
        self.last_report = report
        self._show_report(report)
        self.verified.emit(report)

    def _show_report(self, report: VerifyReport) -> None:
        self.model.failing = {p.seq for p in report.problems if p.seq is not None}
        if report.ok:
            self.result.setStyleSheet("color: #0b6a0b; font-weight: 600;")
            self.result.setText("✔ " + tr("verify.ok", events=report.events, items=report.items,
                                          objects=report.objects))
            self.problems.hide()
            return
        self.result.setStyleSheet("color: #b00020; font-weight: 600;")
        self.result.setText("✘ " + tr("verify.bad", count=len(report.problems)))
        self.problems.clear()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        for p in report.problems:
            entry = QListWidgetItem(icon, str(p))
            entry.setData(Qt.ItemDataRole.UserRole, p.seq)
            entry.setData(Qt.ItemDataRole.UserRole + 1, p.exhibit or "")
            self.problems.addItem(entry)
        self.problems.show()
        self.model.layoutChanged.emit()

    def _problem_chosen(self, entry: QListWidgetItem) -> None:
        """Jump to the failing event (or filter to the failing exhibit)."""
        seq = entry.data(Qt.ItemDataRole.UserRole)
        exhibit = entry.data(Qt.ItemDataRole.UserRole + 1)
        if exhibit and seq is None:
            self.item_filter.setText(str(exhibit))
            self.apply_filter()
            return
        if seq is not None:
            self.item_filter.clear()
            self.actor_filter.setCurrentIndex(0)
            self.action_filter.setCurrentIndex(0)
            self.apply_filter()
            row = self.model.row_of(int(seq))
            if row >= 0:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
