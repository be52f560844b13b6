"""GUI test fixtures: offscreen Qt (set by tests/conftest.py), QtWebEngine initialised before the
QApplication exists, English by default, and a populated case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt

QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
import PySide6.QtWebEngineWidgets  # noqa: E402, F401  (must precede the QApplication)

from evidence_kit.core.case import Case  # noqa: E402
from evidence_kit.core.settings import Settings  # noqa: E402
from evidence_kit.gui import i18n  # noqa: E402

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(autouse=True)
def english(qapp: object) -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """A modal message box would hang an offscreen test: each one is recorded and answered "No"
    (or OK). Tests that need "Yes" patch the method they call."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def fake(kind: str, answer: QMessageBox.StandardButton) -> object:
        def box(_parent: object, title: str, text: str, *_a: object, **_k: object) -> object:
            shown.append((kind, f"{title}: {text}"))
            return answer
        return staticmethod(box)

    monkeypatch.setattr(QMessageBox, "warning", fake("warning", QMessageBox.StandardButton.No))
    monkeypatch.setattr(QMessageBox, "question", fake("question", QMessageBox.StandardButton.No))
    monkeypatch.setattr(QMessageBox, "critical", fake("critical", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "information", fake("information", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "about", fake("about", QMessageBox.StandardButton.Ok))
    return shown


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings()
    s.save()
    return s


@pytest.fixture
def populated(case: Case) -> Case:
    """The test case with the EXIF fixture images imported (9 items), tagged "exif"."""
    result = case.ingest([FIXTURES / "exif"], tags=["exif"])
    assert len(result.items) == 9
    return case
