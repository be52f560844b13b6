"""Export an evidence bundle (items, report language, blur, WACZ; progress and Cancel) and, for
auditors, check a bundle with nothing but the file: a verdict and the result of every item."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.case import Case
from . import i18n
from .evidence_model import short_exhibit
from .i18n import tr
from .workers import Task, TaskRegistry

i18n.register({
    "export.title": ("Export evidence bundle", "증거 묶음 내보내기"),
    "export.items": ("Items", "증거물"),
    "export.selected": ("The {count} selected items", "선택한 증거물 {count}건"),
    "export.all": ("Every item in the case ({count})", "사건의 모든 증거물 ({count}건)"),
    "export.language": ("Report language", "보고서 언어"),
    "export.blur": ("Blur pictures in the report (recommended)", "보고서의 사진 흐리게 (권장)"),
    "export.wacz": ("Also export web captures as WACZ (for replay tools)",
                    "웹 수집물을 WACZ로도 내보내기 (재생 도구용)"),
    "export.file": ("Save as", "저장 위치"),
    "export.start": ("Export", "내보내기"),
    "export.running": ("Exporting…", "내보내는 중…"),
    "export.done": ("Exported {count} items to {path} (SHA-256 {sha}).", "증거물 {count}건을 {path}에 내보냈습니다 "
                    "(SHA-256 {sha})."),
    "export.cancelled": ("Export cancelled; no bundle was written.",
                         "내보내기를 취소했습니다. 파일을 만들지 않았습니다."),
    "export.need_file": ("Choose where to save the bundle.", "묶음을 저장할 위치를 선택하세요."),
    "bundle.title": ("Check an evidence bundle", "증거 묶음 검증"),
    "bundle.file": ("Bundle (.zip)", "묶음 파일 (.zip)"),
    "bundle.check": ("Check", "검증"),
    "bundle.running": ("Checking every file, hash, signature and custody event…",
                       "모든 파일, 해시값, 서명, 보관 기록을 검증하는 중…"),
    "bundle.ok": ("✔ The bundle is intact: {items} items, {files} files checked.",
                  "✔ 묶음에 이상이 없습니다: 증거물 {items}건, 파일 {files}개 검증."),
    "bundle.bad": ("✘ The bundle FAILED verification: {count} problems.", "✘ 묶음 검증 실패: 문제 {count}건."),
    "bundle.col_item": ("Exhibit / check", "증거물 / 검사"),
    "bundle.col_result": ("Result", "결과"),
    "bundle.col_detail": ("Detail", "내용"),
    "bundle.item_ok": ("intact", "이상 없음"),
    "bundle.item_bad": ("FAILED", "실패"),
    "bundle.general": ("Whole bundle", "묶음 전체"),
})


def available() -> bool:
    """Whether the bundle feature is installed (found, not imported: opening a case stays fast)."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("evidence_kit.core.export.bundle",
                                                                        "evidence_kit.core.export.verify_bundle"))
    except ImportError:
        return False


def _status(label: QLabel, text: str, kind: str = "") -> None:
    colours = {"ok": "color: #0b6a0b; font-weight: 600;", "bad": "color: #b00020; font-weight: 600;"}
    label.setStyleSheet(colours.get(kind, ""))
    label.setText(text)


class ExportDialog(QDialog):
    exported = Signal(str)

    def __init__(self, case: Case, tasks: TaskRegistry, selected_ids: list[int], parent: QWidget | None = None,
                 ) -> None:
        super().__init__(parent)
        self.case = case
        self.tasks = tasks
        self.selected_ids = selected_ids
        self.task: Task | None = None
        self.result: Any = None
        self.setWindowTitle(tr("export.title"))
        self.setMinimumWidth(560)
        total = case.item_count()
        self.only_selected = QRadioButton(tr("export.selected", count=len(selected_ids)))
        self.every_item = QRadioButton(tr("export.all", count=total))
        self.only_selected.setEnabled(bool(selected_ids))
        (self.only_selected if selected_ids else self.every_item).setChecked(True)
        self.language = QComboBox()
        for code in ("ko", "en"):
            self.language.addItem(tr(f"lang.{code}"), code)
        self.language.setCurrentIndex(self.language.findData(i18n.language()))
        self.blur = QCheckBox(tr("export.blur"))
        self.blur.setChecked(True)
        self.wacz = QCheckBox(tr("export.wacz"))
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in case.info.number)
        self.path = QLineEdit(str(Path.home() / f"{safe}-bundle.zip"))
        browse = QPushButton(tr("common.browse"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        items_box = QVBoxLayout()
        items_box.addWidget(self.only_selected)
        items_box.addWidget(self.every_item)
        form = QFormLayout()
        form.addRow(tr("export.items"), items_box)
        form.addRow(tr("export.language"), self.language)
        form.addRow("", self.blur)
        form.addRow("", self.wacz)
        form.addRow(tr("export.file"), row)
        self.bar = QProgressBar()
        self.bar.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_button = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton),
                                        tr("export.start"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.close_button = QPushButton(tr("common.close"))
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("export.title"), self.path.text(), "ZIP (*.zip)")
        if path:
            self.path.setText(path if path.lower().endswith(".zip") else path + ".zip")

    def start(self) -> None:
        if self.task is not None:
            return
        out = self.path.text().strip()
        if not out:
            _status(self.status, tr("export.need_file"), "bad")
            return
        from ..core.export.bundle import export_bundle

        items = [str(i) for i in self.selected_ids] if self.only_selected.isChecked() else None
        lang, blur, wacz = str(self.language.currentData()), self.blur.isChecked(), self.wacz.isChecked()
        task = Task(self.case, lambda c, progress, cancel: export_bundle(
            c, items, out, lang=lang, blur=blur, wacz=wacz, progress=progress, cancel=cancel),
            name=tr("work.export"), parent=self)
        self.task = task
        self.bar.setRange(0, 0)
        self.bar.show()
        self.start_button.setEnabled(False)
        self.close_button.setText(tr("common.cancel"))
        _status(self.status, tr("export.running"))
        task.progress.connect(self._progress)
        task.succeeded.connect(self._done)
        task.failed.connect(lambda msg: _status(self.status, "✘ " + i18n.error_text(msg), "bad"))
        task.cancelled.connect(lambda: _status(self.status, tr("export.cancelled")))
        task.finished.connect(self._ended)
        self.tasks.add(task)
        task.start()

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, int(done * 1000 / total)))
        if message:
            self.status.setText(message)

    def _done(self, result: Any) -> None:
        self.result = result
        lines = [tr("export.done", count=len(result.items), path=result.path, sha=result.sha256[:16] + "…")]
        lines += [f"⚠ {w}" for w in getattr(result, "warnings", [])]
        _status(self.status, "✔ " + "\n".join(lines), "ok")
        self.exported.emit(result.path)

    def _ended(self) -> None:
        self.task = None
        self.bar.hide()
        self.start_button.setEnabled(True)
        self.close_button.setText(tr("common.close"))

    def reject(self) -> None:
        if self.task is not None:
            self.task.cancel()
            return
        super().reject()


class BundleVerifyDialog(QDialog):
    """The auditor's view: open a bundle, check it (no case, no password), see each item."""

    checked = Signal(object)

    def __init__(self, tasks: TaskRegistry, parent: QWidget | None = None, path: str = "") -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.task: Task | None = None
        self.result: Any = None
        self.setWindowTitle(tr("bundle.title"))
        self.resize(860, 560)
        self.path = QLineEdit(path)
        browse = QPushButton(tr("common.browse"))
        browse.clicked.connect(self._browse)
        self.check_button = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                                        tr("bundle.check"))
        self.check_button.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("bundle.file")))
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        row.addWidget(self.check_button)
        self.bar = QProgressBar()
        self.bar.hide()
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("bundle.col_item"), tr("bundle.col_result"), tr("bundle.col_detail")])
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 110)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.bar)
        layout.addWidget(self.verdict)
        layout.addWidget(self.tree, 1)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("bundle.title"), str(Path.home()), "ZIP (*.zip)")
        if path:
            self.path.setText(path)
            self.start()

    def start(self) -> None:
        if self.task is not None or not self.path.text().strip():
            return
        from ..core.export.verify_bundle import verify_bundle

        path = self.path.text().strip()
        task = Task(None, lambda _c, progress, cancel: verify_bundle(path, progress=progress, cancel=cancel),
                    use_clone=False, name=tr("work.verify"), parent=self)
        self.task = task
        self.tree.clear()
        self.bar.setRange(0, 0)
        self.bar.show()
        _status(self.verdict, tr("bundle.running"))
        task.progress.connect(self._progress)
        task.succeeded.connect(self._show)
        task.failed.connect(lambda msg: _status(self.verdict, "✘ " + i18n.error_text(msg), "bad"))
        task.finished.connect(self._ended)
        self.tasks.add(task)
        task.start()

    def _progress(self, done: int, total: int, _message: str) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, int(done * 1000 / total)))

    def _ended(self) -> None:
        self.task = None
        self.bar.hide()

    def _problem_text(self, p: Any) -> str:
        korean = str(getattr(p, "message_ko", "") or "")
        return korean if i18n.language() == "ko" and korean else str(p.message)

    def _show(self, result: Any) -> None:
        self.result = result
        errors = [p for p in result.problems if p.severity == "error"]
        if result.ok:
            _status(self.verdict, tr("bundle.ok", items=len(result.items), files=result.files_checked), "ok")
        else:
            _status(self.verdict, tr("bundle.bad", count=len(errors)), "bad")
        style = self.style()
        good = style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
        bad = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        general = [p for p in result.problems if not p.exhibit]
        top = QTreeWidgetItem([tr("bundle.general"), "", ""])
        for step in result.checks:
            QTreeWidgetItem(top, [step.name, step.status, step.detail]).setIcon(
                1, good if step.status == "ok" else bad if step.status == "failed" else top.icon(1))
        for p in general:
            QTreeWidgetItem(top, [p.code, p.severity, self._problem_text(p)]).setIcon(1, bad)
        self.tree.addTopLevelItem(top)
        top.setExpanded(bool(general))
        for it in result.items:
            node = QTreeWidgetItem([f"{short_exhibit(it.exhibit)}  {it.title}",
                                    tr("bundle.item_ok") if it.ok else tr("bundle.item_bad"),
                                    it.source])
            node.setIcon(1, good if it.ok else bad)
            for p in it.problems:
                QTreeWidgetItem(node, [p.path or p.code, p.severity, self._problem_text(p)]).setIcon(1, bad)
            for a in it.artifacts:
                QTreeWidgetItem(node, [a.path, "✔" if a.ok else "✘", f"SHA-256 {a.sha256}"])
            self.tree.addTopLevelItem(node)
            node.setExpanded(not it.ok)
        self.checked.emit(result)
