from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QWidget

from evidence_kit.core import ledger
from evidence_kit.core.case import Case
from evidence_kit.core.paths import data_dir
from evidence_kit.gui.screen_capture import RegionSelector, ScreenCaptureDialog, crop, store_screen_capture
from evidence_kit.gui.workers import TaskRegistry
from tests.webcapture_servers import site  # noqa: F401


def test_full_screen_capture_offscreen_hides_the_app(qtbot, case: Case) -> None:
    main = QWidget()
    qtbot.addWidget(main)
    main.show()
    d = ScreenCaptureDialog(case, TaskRegistry(), hide_windows=[main])
    qtbot.addWidget(d)
    d.show()
    d.title_edit.setText("Suspect's chat window")
    d.tags.setText("screen")
    hidden: list[bool] = []
    d.start()
    hidden.append(main.isVisible())
    with qtbot.waitSignal(d.captured, timeout=20000) as blocker:
        pass
    item = blocker.args[0]
    assert hidden == [False] and main.isVisible() and d.isVisible()  # hidden while grabbing, back after
    assert item.kind == "screen" and item.title == "Suspect's chat window" and item.tags == ["screen"]
    acq = item.acquisition["screen_capture"]
    screen = QGuiApplication.primaryScreen()
    assert acq["mode"] == "full" and acq["app_hidden"] == 1
    assert acq["screen"]["geometry"][2:] == [screen.geometry().width(), screen.geometry().height()]
    assert float(acq["screen"]["device_pixel_ratio"]) == screen.devicePixelRatio()
    art = item.artifacts[0]
    assert art.role == "screenshot" and art.mime == "image/png"
    png = case.read_artifact(art)
    assert QImage.fromData(png).width() == acq["pixels"][0]
    assert case.events(item=item.exhibit)[0].action == ledger.CAPTURED
    assert "E0001" in d.status.text()


def test_region_selection_with_the_mouse(qtbot, case: Case) -> None:
    screen = QGuiApplication.primaryScreen()
    frozen = QImage(screen.geometry().size(), QImage.Format.Format_RGB32)
    frozen.fill(QColor("navy"))
    sel = RegionSelector(screen, frozen)
    qtbot.addWidget(sel)
    sel.show()
    with qtbot.waitSignal(sel.selected) as blocker:
        qtbot.mousePress(sel, Qt.MouseButton.LeftButton, pos=QPoint(10, 20))
        qtbot.mouseMove(sel, QPoint(110, 70))
        qtbot.mouseRelease(sel, Qt.MouseButton.LeftButton, pos=QPoint(110, 70))
    rect: QRect = blocker.args[0]
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (10, 20, 101, 51)
    part = crop(frozen, screen, rect)
    assert (part.width(), part.height()) == (101, 51)
    # Esc and a click without a drag cancel
    sel2 = RegionSelector(screen, frozen)
    qtbot.addWidget(sel2)
    sel2.show()
    with qtbot.waitSignal(sel2.cancelled):
        qtbot.keyClick(sel2, Qt.Key.Key_Escape)


def test_region_mode_end_to_end(qtbot, case: Case) -> None:
    d = ScreenCaptureDialog(case, TaskRegistry())
    qtbot.addWidget(d)
    d.show()
    d.mode_region.setChecked(True)
    d.hide_self.setChecked(False)
    d.start()
    qtbot.waitUntil(lambda: d.selector is not None and d.selector.isVisible(), timeout=10000)
    sel = d.selector
    with qtbot.waitSignal(d.captured, timeout=20000) as blocker:
        qtbot.mousePress(sel, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
        qtbot.mouseMove(sel, QPoint(65, 45))
        qtbot.mouseRelease(sel, Qt.MouseButton.LeftButton, pos=QPoint(65, 45))
    item = blocker.args[0]
    acq = item.acquisition["screen_capture"]
    assert acq["mode"] == "region" and acq["region"][2:] == [61, 41]
    dpr = QGuiApplication.primaryScreen().devicePixelRatio()
    assert acq["pixels"] == [round(61 * dpr), round(41 * dpr)]


def test_window_mode_without_a_window_list_says_so(qtbot, case: Case) -> None:
    d = ScreenCaptureDialog(case, TaskRegistry())
    qtbot.addWidget(d)
    d.mode_window.setChecked(True)  # offscreen: no window manager to ask
    assert "No windows could be listed" in d.status.text() and d.mode() == "full"


def test_store_screen_capture_refuses_nothing_and_is_atomic(case: Case) -> None:
    item = store_screen_capture(case, b"\x89PNG\r\n\x1a\nfake", title="t", acquisition={"mode": "full"})
    assert item.acquisition["screen_capture"] == {"mode": "full"}
    assert case.verify().ok


@pytest.mark.webengine
def test_browser_capture_page_and_profiles(qtbot, case: Case, site, settings) -> None:  # noqa: F811
    from evidence_kit.gui.browser_tab import BrowserTab, known_personas

    tab = BrowserTab(case, TaskRegistry(), settings=settings)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.profile.isOffTheRecord() and tab.browser_profile()["mode"] == "off_the_record"
    tab.capture_page()
    assert "Open a page first" in tab.status.text()
    with qtbot.waitSignal(tab.view.loadFinished, timeout=60000):
        tab.navigate(site.url("/page.html"))
    assert tab.address.text() == site.url("/page.html")
    with qtbot.waitSignal(tab.captured, timeout=120000) as blocker:
        tab.capture_page()
    result = blocker.args[0]
    item = case.item(result["exhibit"] if isinstance(result, dict) else result.exhibit)
    assert item.kind == "web" and item.source == site.url("/page.html")
    assert "off_the_record" in str(item.acquisition)
    # a persona profile is persistent, kept under the data folder, and recorded
    tab.ask_persona_name = lambda: ("undercover-1", True)  # type: ignore[method-assign]
    tab._profile_chosen(tab.profile_choice.count() - 1)
    assert tab.persona == "undercover-1" and not tab.profile.isOffTheRecord()
    assert (data_dir() / "personas" / "undercover-1").is_dir() and "undercover-1" in known_personas()
    assert tab.browser_profile()["mode"] == "persona"
    assert settings.persona == "undercover-1"
    # record mode: every page loaded is captured
    tab.record.setChecked(True)
    with qtbot.waitSignal(tab.captured, timeout=120000) as blocker:
        tab.view.load(QUrl(site.url("/page.html")))
    result = blocker.args[0]
    item = case.item(result["exhibit"] if isinstance(result, dict) else result.exhibit)
    assert "undercover-1" in str(item.acquisition) and "record_mode" in str(item.acquisition)
    tab.record.setChecked(False)
    tab.shutdown()


def test_persona_names_are_checked(qtbot, case: Case, settings) -> None:
    from evidence_kit.gui.browser_tab import BrowserTab

    tab = BrowserTab(case, TaskRegistry(), settings=settings)
    qtbot.addWidget(tab)
    for bad in ("../escape", "", "a/b"):
        tab.ask_persona_name = lambda b=bad: (b, True)  # type: ignore[method-assign]
        tab._profile_chosen(tab.profile_choice.count() - 1)
        assert tab.persona == ""
    assert not (Path(data_dir()) / "escape").exists()
    tab.shutdown()
