"""Near-duplicate groups of the case (PDQ) with blurred thumbnails.

Standalone: SimilarView(case, lang=...) takes the open Case (GUI thread). refresh() computes
missing hashes first (call it from a worker in the main window for very large cases, or pass
index=False and run perceptual.index_case in a worker before).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import perceptual
from ..core.case import Case
from ..core.errors import EvidenceKitError

STRINGS: dict[str, dict[str, str]] = {
    "en": {"threshold": "Max. distance", "quality": "Min. quality", "find": "Find near-duplicates",
           "group": "Group {n}: {k} files in {exhibits} (distance ≤ {d})", "none": "No near-duplicates found.",
           "found": "{n} group(s) of near-duplicates.", "exhibit": "Exhibit", "file": "File",
           "quality_col": "Quality", "pdq": "PDQ", "hint": "Thumbnails are blurred. Distance 0 = identical; "
           "31 is PDQ's usual match limit."},
    "ko": {"threshold": "최대 거리", "quality": "최소 품질", "find": "유사 항목 찾기",
           "group": "그룹 {n}: {exhibits}의 파일 {k}개 (거리 ≤ {d})", "none": "유사 항목이 없습니다.",
           "found": "유사 항목 그룹 {n}개.", "exhibit": "증거물", "file": "파일", "quality_col": "품질",
           "pdq": "PDQ", "hint": "미리보기는 흐리게 표시됩니다. 거리 0 = 동일, 31은 PDQ의 일반적인 일치 기준입니다."},
}
THUMB = 64


class SimilarView(QWidget):
    """Signals: exhibitActivated(exhibit) when a member is double-clicked."""

    exhibitActivated = Signal(str)

    def __init__(self, case: Case, *, lang: str = "en", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.lang = lang if lang in STRINGS else "en"
        t = STRINGS[self.lang]
        self.groups: list[perceptual.SimilarGroup] = []
        self.threshold = QSpinBox()
        self.threshold.setRange(0, perceptual.MAX_THRESHOLD)
        self.threshold.setValue(perceptual.DEFAULT_THRESHOLD)
        self.min_quality = QSpinBox()
        self.min_quality.setRange(0, 100)
        self.min_quality.setValue(perceptual.MIN_QUALITY)
        self.find_button = QPushButton(t["find"])
        self.status = QLabel(t["hint"])
        self.status.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([t["exhibit"], t["file"], t["quality_col"], t["pdq"]])
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setColumnWidth(0, 320)
        self.tree.setColumnWidth(1, 240)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(t["threshold"]))
        bar.addWidget(self.threshold)
        bar.addWidget(QLabel(t["quality"]))
        bar.addWidget(self.min_quality)
        bar.addWidget(self.find_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        self.find_button.clicked.connect(lambda: self.refresh())
        self.tree.itemDoubleClicked.connect(self._activated)
        self._thumbs: dict[int, QIcon] = {}

    def refresh(self, *, index: bool = True) -> list[perceptual.SimilarGroup]:
        t = STRINGS[self.lang]
        try:
            if index:
                perceptual.index_case(self.case)
            self.groups = perceptual.similar_groups(self.case, threshold=self.threshold.value(),
                                                    min_quality=self.min_quality.value())
        except EvidenceKitError as exc:
            self.status.setText(exc.message)
            return []
        self.tree.clear()
        for n, g in enumerate(self.groups, start=1):
            top = QTreeWidgetItem([t["group"].format(n=n, k=len(g.members), exhibits=", ".join(g.exhibits),
                                                     d=g.max_distance)])
            top.setFirstColumnSpanned(True)
            for m in g.members:
                child = QTreeWidgetItem([m.exhibit, m.name, str(m.quality), m.pdq[:16] + "…"])
                child.setData(0, Qt.ItemDataRole.UserRole, m.exhibit)
                child.setToolTip(3, m.pdq)
                child.setIcon(0, self._thumb(m.artifact_id))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            top.setExpanded(True)
        self.status.setText(t["found"].format(n=len(self.groups)) if self.groups else t["none"])
        return self.groups

    def _thumb(self, artifact_id: int) -> QIcon:
        icon = self._thumbs.get(artifact_id)
        if icon is None:
            pix = QPixmap()
            try:
                png = perceptual.preview_png(self.case, self.case.artifact(artifact_id), max_side=THUMB, blur=True)
                pix.loadFromData(png, "PNG")
            except EvidenceKitError:
                pix = QPixmap(THUMB, THUMB)
                pix.fill(Qt.GlobalColor.darkGray)
            icon = QIcon(pix)
            self._thumbs[artifact_id] = icon
        return icon

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        exhibit = item.data(0, Qt.ItemDataRole.UserRole)
        if exhibit:
            self.exhibitActivated.emit(str(exhibit))
