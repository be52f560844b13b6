from __future__ import annotations

import zipfile
from pathlib import Path

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.settings import Settings
from evidence_kit.gui.export_dialog import BundleVerifyDialog, ExportDialog
from evidence_kit.gui.main_window import MainWindow
from evidence_kit.gui.workers import TaskRegistry


def test_export_selected_items_then_check_the_bundle(qtbot, populated: Case, tmp_path: Path) -> None:
    d = ExportDialog(populated, TaskRegistry(), [1, 3])
    qtbot.addWidget(d)
    assert d.only_selected.isChecked() and d.blur.isChecked()
    out = tmp_path / "bundle.zip"
    d.path.setText(str(out))
    d.language.setCurrentIndex(d.language.findData("en"))
    with qtbot.waitSignal(d.exported, timeout=120000):
        d.start()
    assert out.is_file() and "Exported 2 items" in d.status.text()
    assert populated.events(action=ledger.EXPORTED)
    names = zipfile.ZipFile(out).namelist()
    assert any(n.startswith("evidence/E0001/") for n in names)
    assert not any(n.startswith("evidence/E0002/") for n in names)
    # an existing file is refused with a plain message
    d.start()
    qtbot.waitUntil(lambda: d.task is None, timeout=30000)
    assert "already exists" in d.status.text()

    v = BundleVerifyDialog(TaskRegistry(), path=str(out))
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.checked, timeout=120000):
        v.start()
    assert v.result.ok and "intact" in v.verdict.text()
    assert v.tree.topLevelItemCount() == 3  # the whole bundle + 2 items

    # a tampered bundle: one evidence file changed
    bad = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("evidence/E0003/") and not info.is_dir():
                data = b"X" + data[1:]
            dst.writestr(info, data)
    v.path.setText(str(bad))
    with qtbot.waitSignal(v.checked, timeout=120000):
        v.start()
    assert not v.result.ok and "FAILED" in v.verdict.text()
    failing = [v.tree.topLevelItem(i) for i in range(v.tree.topLevelItemCount())
               if v.tree.topLevelItem(i).text(1) == "FAILED"]
    assert len(failing) == 1 and failing[0].text(0).startswith("E0003")


def test_not_a_bundle_is_a_plain_error(qtbot, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip")
    v = BundleVerifyDialog(TaskRegistry(), path=str(junk))
    qtbot.addWidget(v)
    v.start()
    qtbot.waitUntil(lambda: v.task is None, timeout=30000)
    assert v.verdict.text().startswith("✘") and "Traceback" not in v.verdict.text()


def test_main_window_has_export_for_officers(qtbot, populated: Case, settings: Settings) -> None:
    w = MainWindow(populated, settings)
    qtbot.addWidget(w)
    assert w.act_export.isEnabled()
    w.evidence.select_item(2)
    w.export_bundle()
    assert w.export_dialog.selected_ids == [2]
    w.verify_bundle()
    assert w.bundle_dialog.isVisible()
    w.close()
