"""The main window of an open case: the evidence table and detail pane, the evidence browser,
the custody log, and the feature tabs (requests, Telegram, near-duplicates) mounted with
one line each in _mount_feature_tabs()."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..core import listing
from ..core.case import Case, IngestResult, VerifyReport
from ..core.errors import EvidenceKitError
from ..core.roles import Permission, allowed
from ..core.settings import Settings
from . import i18n
from .custody_view import CustodyView
from .detail_pane import REVIEW_SETTING, DetailPane
from .evidence_model import COLUMNS, EvidenceModel, ItemIdRole, local_time, short_exhibit
from .i18n import tr
from .progress_dialog import ProgressDialog
from .workers import Task, TaskRegistry

if TYPE_CHECKING:
    from .browser_tab import BrowserTab

log = logging.getLogger(__name__)


class EvidenceTab(QWidget):
    """Filter bar, the evidence table and the detail pane; accepts dropped files."""

    import_requested = Signal(list)

    def __init__(self, case: Case, tasks: TaskRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.model = EvidenceModel(case, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COLUMNS.index("title"), QHeaderView.ResizeMode.Stretch)
        for col, width in (("exhibit", 88), ("kind", 86), ("platform", 76), ("captured_at", 140),
                           ("collector", 64), ("sha256", 104), ("flags", 110)):
            self.table.setColumnWidth(COLUMNS.index(col), width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.addAction(self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView),
                              QLineEdit.ActionPosition.LeadingPosition)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.kind_filter = QComboBox()
        self.tag_filter = QComboBox()
        self.kind_filter.currentIndexChanged.connect(self._apply_filters)
        self.tag_filter.currentIndexChanged.connect(self._apply_filters)
        self.empty_hint = QLabel()
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: palette(mid); font-size: 12pt; padding: 24px;")

        self.detail = DetailPane(case, tasks)
        self.detail.changed.connect(self._item_changed)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.kind_filter, 1)
        bar.addWidget(self.tag_filter, 1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(bar)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.empty_hint)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([900, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self.setAcceptDrops(True)
        self._fill_filters()
        self.model.reloaded.connect(self._update_empty)
        self._update_empty()
        self.retranslate()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(tr("filter.search"))
        self.empty_hint.setText(tr("evidence.empty"))
        self._fill_filters()
        self.model.retranslate()

    def _fill_filters(self) -> None:
        from .evidence_model import kind_label

        kinds = sorted(set(listing.item_kinds(self.case)) | {"file", "web", "screen"})
        for combo, values, any_key, label in ((self.kind_filter, kinds, "filter.any_kind", kind_label),
                                              (self.tag_filter, listing.item_tags(self.case), "filter.any_tag",
                                               lambda t: f"#{t}")):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr(any_key), "")
            for v in values:
                combo.addItem(label(v), v)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def _apply_search(self) -> None:
        self.model.set_filter(search=self.search.text())

    def _apply_filters(self) -> None:
        self.model.set_filter(kind=str(self.kind_filter.currentData() or ""),
                              tag=str(self.tag_filter.currentData() or ""))

    def _update_empty(self) -> None:
        self.empty_hint.setVisible(self.model.total == 0)

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [int(self.model.data(self.model.index(r, 0), ItemIdRole)) for r in rows]

    def _selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        current = self.table.selectionModel().currentIndex()
        ids = self.selected_ids()
        if current.isValid() and current.row() in {i.row() for i in self.table.selectionModel().selectedRows()}:
            self.detail.show_item(int(self.model.data(self.model.index(current.row(), 0), ItemIdRole)))
        elif ids:
            self.detail.show_item(ids[0])
        else:
            self.detail.clear()

    def _item_changed(self, item_id: int) -> None:
        self.model.invalidate_item(item_id)
        self._fill_filters()

    def refresh(self, select_id: int | None = None) -> None:
        keep = select_id if select_id is not None else (self.detail.item.id if self.detail.item else None)
        self.model.reload()
        self._fill_filters()
        if keep is not None:
            self.select_item(keep)

    def select_item(self, item_id: int) -> None:
        row = self.model.row_of(item_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    # ---- drag and drop import ----
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and allowed(self.case.role, Permission.CAPTURE):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_requested.emit(paths)


class LazyTab(QWidget):
    """A tab whose widget is built the first time it is shown (and again after reset())."""

    def __init__(self, make: Callable[[], QWidget | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._make = make
        self.widget: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure_built(self) -> QWidget | None:
        if self.widget is None:
            self.widget = self._make()
            if self.widget is not None:
                layout = self.layout()
                assert layout is not None
                layout.addWidget(self.widget)
        return self.widget

    def reset(self) -> None:
        if self.widget is not None:
            self.widget.hide()
            self.widget.deleteLater()
            self.widget = None


class MainWindow(QMainWindow):
    case_closed = Signal()

    def __init__(self, case: Case, settings: Settings | None = None, parent: QWidget | None = None, *,
                 thumbnails: bool = True) -> None:
        super().__init__(parent)
        self.case = case
        self.settings = settings or Settings.load()
        self.tasks = TaskRegistry(self)
        self.last_verification: VerifyReport | None = None
        self._feature_tabs: list[tuple[QWidget, str]] = []
        self._browser: BrowserTab | None = None
        self.resize(1360, 820)
        self.setWindowIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DriveHDIcon))

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.evidence = EvidenceTab(case, self.tasks)
        self.evidence.import_requested.connect(self.import_paths)
        self.browser_holder = QWidget()  # the browser is built on first use (QtWebEngine is heavy)
        QVBoxLayout(self.browser_holder).setContentsMargins(0, 0, 0, 0)
        self.custody = CustodyView(case, self.tasks)
        self.custody.verified.connect(self._verified)
        self.evidence.detail.revealed.connect(self._refresh_custody)
        self.evidence.detail.changed.connect(self._refresh_custody)
        self.add_tab(self.evidence, "main.tab_evidence", QStyle.StandardPixmap.SP_FileDialogListView)
        self.add_tab(self.browser_holder, "main.tab_browser", QStyle.StandardPixmap.SP_DriveNetIcon)
        self.add_tab(self.custody, "main.tab_custody", QStyle.StandardPixmap.SP_FileDialogInfoView)
        self._mount_feature_tabs()
        self.tabs.currentChanged.connect(self._tab_changed)
        self.tabs.setTabsClosable(False)
        self.tabs.tabBarDoubleClicked.connect(self._close_tab)
        self.evidence.table.activated.connect(self._activated)
        self.setCentralWidget(self.tabs)

        self._build_actions()
        self._build_status_bar()
        if thumbnails:
            self.evidence.model.start_thumbnails()
        self.retranslate()
        i18n.notifier().changed.connect(self.retranslate)

    def _refresh_custody(self, *_: object) -> None:
        self.custody.refresh()

    # ---- tabs ----
    def add_tab(self, widget: QWidget, title_key: str, icon: QStyle.StandardPixmap | QIcon | None = None) -> int:
        """Mount a tab; its title follows the language (title_key is an i18n key)."""
        if isinstance(icon, QStyle.StandardPixmap):
            icon = self.style().standardIcon(icon)
        index = self.tabs.addTab(widget, icon or QIcon(), tr(title_key))
        self._feature_tabs.append((widget, title_key))
        return index

    def _mount_optional(self, module: str, cls: str, title_key: str,
                        build: Callable[[type], QWidget] | None = None) -> LazyTab | None:
        """Mount a feature's widget if its branch has landed (a missing one is simply absent). The
        widget is built when its tab is first shown, so opening a case stays fast."""
        try:
            if importlib.util.find_spec(module) is None:
                return None
        except ImportError:
            return None

        def make() -> QWidget | None:
            try:
                widget_cls = getattr(importlib.import_module(module), cls)
                return build(widget_cls) if build is not None else widget_cls(self.case)
            except Exception:  # a feature widget must never take the window down
                log.exception("could not mount %s.%s", module, cls)
                return None

        holder = LazyTab(make)
        self.add_tab(holder, title_key)
        return holder

    def _mount_feature_tabs(self) -> None:
        i18n.register({"tab.requests": ("Requests", "자료 요청"), "tab.similar": ("Near-duplicates", "유사 이미지"),
                       "tab.telegram": ("Chat {exhibit}", "대화 {exhibit}")})
        self.requests_tab = self._mount_optional("evidence_kit.gui.requests_tab", "RequestsTab", "tab.requests")

        def similar(widget_cls: type) -> QWidget:
            widget: QWidget = widget_cls(self.case, lang=i18n.language())
            if hasattr(widget, "exhibitActivated"):
                widget.exhibitActivated.connect(self._show_item)
            return widget

        self.similar_tab = self._mount_optional("evidence_kit.gui.similar_view", "SimilarView", "tab.similar",
                                                build=similar)

    def _rebuild_language_bound_tabs(self) -> None:
        """Feature widgets that take a language at construction are rebuilt when it changes."""
        if self.similar_tab is not None:
            self.similar_tab.reset()
            if self.tabs.currentWidget() is self.similar_tab:
                self.similar_tab.ensure_built()

    def open_chat(self, item_id: int) -> QWidget | None:
        """A Telegram chat opens in its own tab (closable), media blurred as everywhere."""
        try:
            from .telegram_viewer import TelegramViewer
        except ImportError:
            return None
        item = self.case.item(item_id)
        for widget, _key in self._feature_tabs:
            if getattr(widget, "chat_exhibit", None) == item.exhibit:
                self.tabs.setCurrentWidget(widget)
                return widget
        viewer = TelegramViewer(self.case, item, lang=i18n.language())
        viewer.chat_exhibit = item.exhibit  # type: ignore[attr-defined]
        index = self.tabs.addTab(viewer, tr("tab.telegram", exhibit=short_exhibit(item.exhibit)))
        self.tabs.setCurrentIndex(index)
        return viewer

    def _close_tab(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is not None and getattr(widget, "chat_exhibit", None):
            self.tabs.removeTab(index)
            widget.deleteLater()

    def _activated(self, index: Any) -> None:
        item_id = self.evidence.model.data(self.evidence.model.index(index.row(), 0), ItemIdRole)
        row = self.evidence.model.row(index.row())
        if row is not None and row.kind == "telegram":
            self.open_chat(int(item_id))

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, LazyTab):
            widget.ensure_built()
        if widget is self.browser_holder:
            self.browser()
        elif self.tabs.widget(index) is self.custody:
            self.custody.refresh()

    def browser(self) -> BrowserTab:
        if self._browser is None:
            from .browser_tab import BrowserTab

            browser = BrowserTab(self.case, self.tasks, settings=self.settings)
            browser.captured.connect(self._captured)
            layout = self.browser_holder.layout()
            assert layout is not None
            layout.addWidget(browser)
            self._browser = browser
        return self._browser

    # ---- actions and menus ----
    def _act(self, key: str, slot: Callable[[], Any], icon: QStyle.StandardPixmap | None = None,
             shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
             permission: Permission | None = None) -> QAction:
        action = QAction(self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        action.setData(key)
        if permission is not None and not allowed(self.case.role, permission):
            action.setEnabled(False)
        self._actions.append(action)
        return action

    def _build_actions(self) -> None:
        S = QStyle.StandardPixmap
        self._actions: list[QAction] = []
        self.act_capture_url = self._act("action.capture_url", self.capture_url, S.SP_DriveNetIcon, "Ctrl+L",
                                         Permission.CAPTURE)
        self.act_screen = self._act("action.screen_capture", self.screen_capture, S.SP_DesktopIcon, "Ctrl+Shift+S",
                                    Permission.CAPTURE)
        self.act_import = self._act("action.import", self.import_files, S.SP_FileIcon, "Ctrl+I", Permission.CAPTURE)
        self.act_import_folder = self._act("action.import_folder", self.import_folder, S.SP_DirIcon, "Ctrl+Shift+I",
                                           Permission.CAPTURE)
        self.act_verify = self._act("action.verify", self.verify_now, S.SP_DialogApplyButton, "F5",
                                    Permission.VERIFY)
        self.act_review = self._act("action.review_unblurred", self.toggle_review_unblurred, S.SP_MessageBoxWarning,
                                    None, Permission.SETTINGS)
        self.act_review.setCheckable(True)
        self.act_review.setChecked(self.case.setting(REVIEW_SETTING) == "1")
        self.act_open = self._act("action.open_case", self.open_other_case, S.SP_DialogOpenButton,
                                  QKeySequence.StandardKey.Open)
        self.act_close = self._act("action.close_case", self.close_case, S.SP_DialogCloseButton, "Ctrl+W")
        self.act_quit = self._act("action.quit", self.close, None, QKeySequence.StandardKey.Quit)
        self.act_about = self._act("action.about", self.about, S.SP_MessageBoxInformation)
        self.extra_case_actions: list[QAction] = []
        self._mount_export_actions()

        mb = self.menuBar()
        self.menu_case = mb.addMenu("")
        self.menu_case.addActions([self.act_open, self.act_close])
        self.menu_case.addSeparator()
        self.menu_case.addActions(self.extra_case_actions)
        self.menu_case.addAction(self.act_verify)
        self.menu_case.addAction(self.act_review)
        self.menu_case.addSeparator()
        self.menu_case.addAction(self.act_quit)
        self.menu_capture = mb.addMenu("")
        self.menu_capture.addActions([self.act_capture_url, self.act_screen])
        self.menu_capture.addSeparator()
        self.menu_capture.addActions([self.act_import, self.act_import_folder])
        self.menu_language = mb.addMenu("")
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code in i18n.LANGUAGES:
            a = QAction(tr(f"lang.{code}"), self, checkable=True)
            a.setChecked(i18n.language() == code)
            a.triggered.connect(lambda _c=False, c=code: self.set_language(c))
            group.addAction(a)
            self.menu_language.addAction(a)
            self.language_actions[code] = a
        self.menu_help = mb.addMenu("")
        self.menu_help.addAction(self.act_about)

        tb = QToolBar()
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addActions([self.act_capture_url, self.act_screen, self.act_import])
        tb.addSeparator()
        tb.addActions(self.extra_case_actions)
        tb.addAction(self.act_verify)
        self.toolbar = tb
        self.addToolBar(tb)

    def _mount_export_actions(self) -> None:
        """Export and bundle verification appear once the bundle feature is installed."""
        try:
            from .export_dialog import available as export_available
        except ImportError:
            return
        if export_available():
            self.act_export = self._act("action.export", self.export_bundle,
                                        QStyle.StandardPixmap.SP_DialogSaveButton, "Ctrl+E", Permission.EXPORT)
            self.act_verify_bundle = self._act("action.verify_bundle", self.verify_bundle,
                                               QStyle.StandardPixmap.SP_FileDialogContentsView)
            self.extra_case_actions += [self.act_export, self.act_verify_bundle]

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.status_case = QLabel()
        self.status_user = QLabel()
        self.status_items = QLabel()
        self.status_verify = QLabel()
        self.status_review = QLabel()
        self.status_review.setStyleSheet("color: #b00020; font-weight: 600;")
        for w in (self.status_case, self.status_user, self.status_items, self.status_review):
            sb.addWidget(w)
        sb.addPermanentWidget(self.status_verify)
        self.evidence.model.reloaded.connect(self._update_status)

    def retranslate(self, *_: object) -> None:
        info = self.case.info
        self.setWindowTitle(tr("main.title", number=info.number, title=info.title))
        for a in self._actions:
            a.setText(tr(str(a.data())))
            a.setToolTip(tr(str(a.data())) + (f" ({a.shortcut().toString()})" if not a.shortcut().isEmpty() else ""))
        self.menu_case.setTitle(tr("menu.case"))
        self.menu_capture.setTitle(tr("menu.capture"))
        self.menu_language.setTitle(tr("menu.language"))
        self.menu_help.setTitle(tr("menu.help"))
        for code, a in self.language_actions.items():
            a.setChecked(i18n.language() == code)
        for widget, key in self._feature_tabs:
            idx = self.tabs.indexOf(widget)
            if idx >= 0:
                self.tabs.setTabText(idx, tr(key))
        self.evidence.retranslate()
        self._update_status()
        if getattr(self, "similar_tab", None) is not None:
            self._rebuild_language_bound_tabs()

    def _update_status(self) -> None:
        self.status_case.setText(tr("status.case", number=self.case.info.number))
        u = self.case.user
        self.status_user.setText(tr("status.user", user=u.full_name or u.name, role=tr(f"role.{u.role}")))
        self.status_items.setText(tr("status.items", count=f"{self.evidence.model.total:,}"))
        self.status_review.setText(tr("status.unblurred") if self.case.setting(REVIEW_SETTING) == "1" else "")
        r = self.last_verification
        if r is None:
            self.status_verify.setText(tr("status.not_verified"))
            self.status_verify.setStyleSheet("")
        elif r.ok:
            self.status_verify.setText("✔ " + tr("status.verified_ok", at=local_time(r.checked_at, seconds=False)))
            self.status_verify.setStyleSheet("color: #0b6a0b; font-weight: 600;")
        else:
            self.status_verify.setText("✘ " + tr("status.verified_bad", at=local_time(r.checked_at, seconds=False),
                                                 count=len(r.problems)))
            self.status_verify.setStyleSheet("color: #b00020; font-weight: 600;")

    def set_language(self, code: str) -> None:
        i18n.set_language(code)
        self.settings.language = code
        self.settings.save()

    # ---- evidence changes ----
    def _captured(self, item: Any) -> None:
        """An item was added (capture, screen capture, browser): show it."""
        item_id = getattr(item, "id", None)
        self.evidence.refresh(select_id=item_id if isinstance(item_id, int) else None)
        self.custody.refresh()
        self._update_status()

    # ---- capture ----
    def capture_url(self) -> None:
        from .capture_dialog import CaptureUrlDialog

        dialog = CaptureUrlDialog(self.case, self.tasks, self)
        dialog.captured.connect(self._captured)
        dialog.show_item.connect(self._show_item)
        dialog.show()
        self.capture_dialog = dialog

    def screen_capture(self) -> None:
        from .screen_capture import ScreenCaptureDialog

        dialog = ScreenCaptureDialog(self.case, self.tasks, self, hide_windows=[self])
        dialog.captured.connect(self._captured)
        dialog.show()
        self.screen_dialog = dialog

    def _show_item(self, exhibit: str) -> None:
        try:
            item = self.case.item(exhibit)
        except EvidenceKitError:
            return
        self.tabs.setCurrentWidget(self.evidence)
        self.evidence.search.clear()
        self.evidence.refresh(select_id=item.id)

    def import_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, tr("import.pick_files"), str(Path.home()))
        if files:
            self.import_paths(files)

    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("import.pick_folder"), str(Path.home()))
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[str]) -> ProgressDialog | None:
        if not allowed(self.case.role, Permission.CAPTURE):
            return None

        def work(c: Case, progress: Callable[[int, int, str], None], cancel: Any) -> IngestResult:
            def named(done: int, total: int, name: str) -> None:
                progress(done, total, tr("import.progress", name=name))
            return c.ingest(paths, progress=named, cancel=cancel)

        task = Task(self.case, work, name=tr("work.import"), parent=self)

        def describe(result: IngestResult) -> tuple[str, list[str]]:
            lines = [f"{it.exhibit}  {it.title}" for it in result.items]
            if result.failures:
                lines.append("")
                lines.append(tr("import.failures", count=len(result.failures)))
                lines += [f"✘ {f.path}: {i18n.error_text(f.message)}" for f in result.failures]
            return tr("import.done", count=len(result.items)), lines

        dialog = ProgressDialog(task, tr("import.title"), describe=describe, cancelled_text=tr("import.cancelled"),
                                parent=self)
        task.finished.connect(lambda: self._captured(None))
        self.tasks.add(task)
        dialog.show()
        task.start()
        self.import_dialog = dialog
        return dialog

    # ---- verify, review ----
    def verify_now(self) -> None:
        self.tabs.setCurrentWidget(self.custody)
        self.custody.verify_now()

    def _verified(self, report: VerifyReport) -> None:
        self.last_verification = report
        self._update_status()

    def confirm(self, title: str, text: str) -> bool:
        """Yes/No question; a method so tests can answer it."""
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def toggle_review_unblurred(self) -> None:
        on = self.case.setting(REVIEW_SETTING) == "1"
        if not self.confirm(tr("review.title"), tr("review.off_text" if on else "review.on_text")):
            self.act_review.setChecked(on)
            return
        try:
            self.case.set_setting(REVIEW_SETTING, "0" if on else "1")
        except EvidenceKitError as exc:
            QMessageBox.critical(self, tr("common.error"), i18n.error_text(exc.message))
        self.act_review.setChecked(self.case.setting(REVIEW_SETTING) == "1")
        self._update_status()
        self.custody.refresh()
        if self.evidence.detail.item is not None:
            self.evidence.detail.show_item(self.evidence.detail.item.id)

    # ---- export (bundle feature) ----
    def export_bundle(self) -> None:
        from .export_dialog import ExportDialog

        dialog = ExportDialog(self.case, self.tasks, self.evidence.selected_ids(), self)
        dialog.exported.connect(lambda _p: self.custody.refresh())
        dialog.show()
        self.export_dialog = dialog

    def verify_bundle(self) -> None:
        from .export_dialog import BundleVerifyDialog

        dialog = BundleVerifyDialog(self.tasks, self)
        dialog.show()
        self.bundle_dialog = dialog

    # ---- case and app ----
    def about(self) -> None:
        QMessageBox.about(self, tr("action.about"), tr("about.text", version=__version__))

    def open_other_case(self) -> None:
        if self.close():
            self.case_closed.emit()

    def close_case(self) -> None:
        self.open_other_case()

    def confirm_close_during_work(self, what: str) -> bool:
        return QMessageBox.warning(self, tr("close.busy_title"), tr("close.busy_text", what=what),
                                   QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                   QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        running = [t for t in self.tasks.running() if t.name]  # unnamed: previews, cancelled silently
        if running:
            what = ", ".join(sorted({t.name for t in running}))
            if not self.confirm_close_during_work(what):
                event.ignore()
                return
        # Cancel and wait: each task's core function stops at a safe point and commits nothing
        # half-done, so the case is consistent when the window goes.
        if self._browser is not None:
            self._browser.shutdown()
        self.tasks.cancel_all_and_wait()
        self.evidence.model.stop_thumbnails()
        for dialog in self.findChildren(QDialog):
            dialog.close()
        # Nothing may reach the closed case afterwards: stop following the language.
        notifier = i18n.notifier()
        for widget in [self, *self.findChildren(QWidget)]:
            slot = getattr(widget, "retranslate", None)
            if slot is not None:
                with contextlib.suppress(RuntimeError, TypeError), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # "not connected" is fine
                    notifier.changed.disconnect(slot)
        self.case.close()
        event.accept()
