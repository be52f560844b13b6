"""The first window: open a case (recent list or folder) and unlock it, or create a new one.

Argon2 makes unlocking take up to a second or two by design; it runs on a worker thread with a
busy indicator, and the case's database is then opened on the main thread that will use it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.case import Case
from ..core.settings import Settings
from . import i18n
from .i18n import tr
from .workers import Task


def _unlock_fn(path: str, user: str, password: str) -> object:
    def run(_case: object, _progress: object, _cancel: object) -> object:
        return Case.unlock_keys(path, user=user, password=password)
    return run


def _create_fn(path: str, fields: dict[str, str], password: str) -> object:
    def run(_case: object, _progress: object, _cancel: object) -> object:
        Case.create(path, password=password, **fields).close()
        return Case.unlock_keys(path, user=fields["user"], password=password)
    return run


class StartDialog(QDialog):
    """Emits opened(case) with a Case opened on the main thread; then accepts."""

    opened = Signal(object)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.case: Case | None = None
        self._task: Task | None = None
        self.setMinimumWidth(560)
        style = self.style()

        self.tabs = QTabWidget()
        # -- open
        open_page = QWidget()
        self.recent_label = QLabel()
        self.recent = QListWidget()
        self.recent.setMinimumHeight(120)
        for p in settings.recent_cases:
            item = QListWidgetItem(style.standardIcon(QStyle.StandardPixmap.SP_DirIcon), Path(p).name)
            item.setData(Qt.ItemDataRole.UserRole, p)
            item.setToolTip(p)
            self.recent.addItem(item)
        self.recent.currentItemChanged.connect(self._recent_chosen)
        self.recent.itemDoubleClicked.connect(self._recent_activated)
        self.no_recent = QLabel()
        self.no_recent.setWordWrap(True)
        self.no_recent.setVisible(not settings.recent_cases)
        self.path = QLineEdit()
        self.browse = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton), "")
        self.browse.clicked.connect(self._browse_case)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.unlock)
        self.open_form = QFormLayout()
        self.open_form.addRow(QLabel(), path_row)
        self.open_form.addRow(QLabel(), self.user)
        self.open_form.addRow(QLabel(), self.password)
        self.unlock_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogYesButton), "")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock)
        ol = QVBoxLayout(open_page)
        ol.addWidget(self.recent_label)
        ol.addWidget(self.recent)
        ol.addWidget(self.no_recent)
        ol.addLayout(self.open_form)
        ol.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignRight)

        # -- create
        create_page = QWidget()
        self.c_number = QLineEdit()
        self.c_title = QLineEdit()
        self.c_offence = QLineEdit()
        self.c_agency = QLineEdit()
        self.c_location = QLineEdit(str(Path.home()))
        self.c_browse = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon), "")
        self.c_browse.clicked.connect(self._browse_location)
        loc_row = QHBoxLayout()
        loc_row.addWidget(self.c_location, 1)
        loc_row.addWidget(self.c_browse)
        self.c_user = QLineEdit()
        self.c_full_name = QLineEdit()
        self.c_badge = QLineEdit()
        self.c_password = QLineEdit()
        self.c_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.c_password2 = QLineEdit()
        self.c_password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.c_password2.returnPressed.connect(self.create_case)
        self.case_box = QGroupBox()
        self.case_form = QFormLayout(self.case_box)
        for w in (self.c_number, self.c_title, self.c_offence, self.c_agency):
            self.case_form.addRow(QLabel(), w)
        self.case_form.addRow(QLabel(), loc_row)
        self.user_box = QGroupBox()
        self.user_form = QFormLayout(self.user_box)
        for w in (self.c_user, self.c_full_name, self.c_badge, self.c_password, self.c_password2):
            self.user_form.addRow(QLabel(), w)
        self.password_hint = QLabel()
        self.password_hint.setWordWrap(True)
        self.password_hint.setStyleSheet("color: palette(mid);")
        self.user_form.addRow(QLabel(), self.password_hint)
        self.create_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogNewFolder), "")
        self.create_button.clicked.connect(self.create_case)
        cl = QVBoxLayout(create_page)
        cl.addWidget(self.case_box)
        cl.addWidget(self.user_box)
        cl.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)

        self.tabs.addTab(open_page, "")
        self.tabs.addTab(create_page, "")

        # -- bottom: language, errors, busy
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.tagline = QLabel()
        self.language = QComboBox()
        for code in i18n.LANGUAGES:
            self.language.addItem(tr(f"lang.{code}"), code)
        self.language.setCurrentIndex(max(0, self.language.findData(i18n.language())))
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.language_label = QLabel()
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.tagline)
        top.addLayout(titles, 1)
        top.addWidget(self.language_label)
        top.addWidget(self.language)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: 600;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(True)
        self.busy.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Open), self, self._browse_case)

        if settings.recent_cases:
            self.recent.setCurrentRow(0)
        self.retranslate()
        i18n.notifier().changed.connect(self.retranslate)
        (self.user if self.path.text() else self.path).setFocus()

    # ---- text ----
    def retranslate(self, *_: object) -> None:
        self.setWindowTitle(tr("start.title"))
        self.heading.setText(tr("app.name"))
        self.tagline.setText(tr("app.tagline"))
        self.language_label.setText(tr("start.language"))
        self.tabs.setTabText(0, tr("start.open_tab"))
        self.tabs.setTabText(1, tr("start.create_tab"))
        self.recent_label.setText(tr("start.recent"))
        self.no_recent.setText(tr("start.no_recent"))
        self.browse.setText(tr("common.browse"))
        self.c_browse.setText(tr("common.browse"))
        for form, keys in ((self.open_form, ("start.case_folder", "start.user", "start.password")),
                           (self.case_form, ("start.number", "start.case_title", "start.offence", "start.agency",
                                             "start.location")),
                           (self.user_form, ("start.user", "start.full_name", "start.badge", "start.password",
                                             "start.password2"))):
            for row, key in enumerate(keys):
                label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                if label is not None and isinstance(label.widget(), QLabel):
                    label.widget().setText(tr(key))  # type: ignore[union-attr]
        self.case_box.setTitle(tr("start.create_tab"))
        self.user_box.setTitle(tr("start.first_user"))
        self.password_hint.setText(tr("start.password_hint"))
        self.unlock_button.setText(tr("start.unlock"))
        self.create_button.setText(tr("start.create"))
        self.c_number.setPlaceholderText("2026-SEOUL-0042")

    def _language_chosen(self) -> None:
        code = self.language.currentData()
        i18n.set_language(str(code))
        self.settings.language = str(code)
        self.settings.save()

    # ---- choosing ----
    def _recent_chosen(self, current: QListWidgetItem | None, _prev: object = None) -> None:
        if current is not None:
            self.path.setText(str(current.data(Qt.ItemDataRole.UserRole)))

    def _recent_activated(self, _item: QListWidgetItem) -> None:
        self.user.setFocus()

    def _browse_case(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("start.pick_case"), self.path.text() or str(Path.home()))
        if folder:
            self.path.setText(folder)
            self.tabs.setCurrentIndex(0)
            self.user.setFocus()

    def _browse_location(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("start.pick_location"), self.c_location.text())
        if folder:
            self.c_location.setText(folder)

    # ---- errors and busy state ----
    def show_error(self, message: str) -> None:
        self.error.setText(i18n.error_text(message))
        self.error.show()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy.setVisible(busy)
        self.busy.setFormat(text)
        for w in (self.tabs, self.language):
            w.setEnabled(not busy)

    # ---- unlock ----
    def unlock(self) -> None:
        if self._task is not None:
            return
        path = self.path.text().strip()
        if not path:
            self.show_error(tr("start.need_folder"))
            return
        if not self.user.text().strip() or not self.password.text():
            self.show_error(tr("start.need_user"))
            return
        self.error.hide()
        self._start(path, self.user.text().strip(),
                    _unlock_fn(path, self.user.text().strip(), self.password.text()), tr("start.unlocking"))

    def create_case(self) -> None:
        if self._task is not None:
            return
        fields = {"number": self.c_number.text().strip(), "title": self.c_title.text().strip(),
                  "offence": self.c_offence.text().strip(), "agency": self.c_agency.text().strip(),
                  "user": self.c_user.text().strip(), "full_name": self.c_full_name.text().strip(),
                  "badge": self.c_badge.text().strip()}
        if not (fields["number"] and fields["title"] and fields["user"] and self.c_password.text()):
            self.show_error(tr("start.required"))
            return
        if self.c_password.text() != self.c_password2.text():
            self.show_error(tr("start.mismatch"))
            return
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in fields["number"])
        path = str(Path(self.c_location.text().strip() or Path.home()) / f"{safe}.ekcase")
        self.error.hide()
        self._start(path, fields["user"], _create_fn(path, fields, self.c_password.text()), tr("start.creating"))

    def _start(self, path: str, user: str, fn: object, busy_text: str) -> None:
        self._set_busy(True, busy_text)
        task = Task(None, fn, use_clone=False, parent=self)  # type: ignore[arg-type]
        self._task = task
        task.succeeded.connect(lambda unlocked: self._unlocked(path, user, unlocked))
        task.failed.connect(self._failed)
        task.finished.connect(self._task_done)
        task.start()

    def _task_done(self) -> None:
        self._task = None

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.password.clear()
        self.c_password.clear()
        self.c_password2.clear()
        self.show_error(message)
        self.password.setFocus()

    def _unlocked(self, path: str, user: str, unlocked: object) -> None:
        try:
            case = Case.open_unlocked(path, user=user, unlocked=unlocked)  # type: ignore[arg-type]
        except Exception as exc:
            self._failed(getattr(exc, "message", str(exc)))
            return
        self._set_busy(False)
        self.case = case
        self.settings.add_recent_case(str(case.path))
        self.settings.save()
        self.password.clear()
        self.opened.emit(case)
        self.accept()

    def reject(self) -> None:
        if self._task is not None:
            return  # unlocking cannot be interrupted half-way; it finishes in a moment
        super().reject()
