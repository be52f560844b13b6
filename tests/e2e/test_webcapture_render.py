"""Web capture with QtWebEngine rendering, end to end (one shared QApplication per worker)."""

from __future__ import annotations

import io
from pathlib import Path

import PySide6.QtWebEngineWidgets  # noqa: F401 - must be imported before the QApplication exists
import pytest
from PIL import Image

from evidence_kit.core.capture import CaptureOptions
from evidence_kit.core.case import Case, Item
from evidence_kit.render.webcapture import WebCaptureJob, capture_from_page, capture_url, make_gui_job, make_page_job
from tests.webcapture_servers import KOREAN_BODY, KOREAN_TITLE, SCRIPT_TEXT, TALL_HEIGHT, proxy, site  # noqa: F401

pytestmark = pytest.mark.webengine


def opts(**kw: object) -> CaptureOptions:
    base = {"render": True, "timeout_s": 10, "render_timeout_s": 20, "ntp_server": "", "tsa_urls": []}
    base.update(kw)
    return CaptureOptions.from_settings(**base)  # type: ignore[arg-type]


def one(item: Item, role: str):
    found = [a for a in item.artifacts if a.role == role]
    assert len(found) == 1, (role, [a.role for a in item.artifacts])
    return found[0]


def image(case: Case, item: Item, role: str) -> Image.Image:
    return Image.open(io.BytesIO(case.read_artifact(one(item, role))))


def test_job_captures_rendered_page(case: Case, site, qtbot) -> None:  # noqa: F811
    job = WebCaptureJob(case, site.url("/page.html"), opts(note="seen on site"))
    progress: list[str] = []
    job.progress.connect(lambda d, t, m: progress.append(m))
    with qtbot.waitSignal(job.finished, timeout=60000) as blocker:
        job.start()
    data = blocker.args[0]
    item = job.item
    assert item is not None and data["exhibit"] == item.exhibit == "2026-SEOUL-0042-E0001"
    assert job.wait(10)
    roles = {a.role for a in item.artifacts}
    assert {"original", "warc", "headers", "screenshot", "screenshot_banner", "pdf", "mhtml", "dom",
            "media"} <= roles
    dom = case.read_artifact(one(item, "dom")).decode()
    filled = f'<div id="target">{SCRIPT_TEXT}</div>'
    assert filled in dom  # written by the page's script, so the DOM is after scripts ran
    assert filled not in case.read_artifact(one(item, "original")).decode()
    assert case.read_artifact(one(item, "pdf")).startswith(b"%PDF-")
    mhtml = case.read_artifact(one(item, "mhtml"))
    assert b"multipart/related" in mhtml and site.url("/page.html").encode() in mhtml
    # the banner copy: exhibit above the raw screenshot, whose pixels are unchanged
    raw, banner = image(case, item, "screenshot"), image(case, item, "screenshot_banner")
    assert banner.width == raw.width and banner.height > raw.height
    bottom = banner.crop((0, banner.height - raw.height, raw.width, banner.height)).convert("RGB")
    assert bottom.tobytes() == raw.convert("RGB").tobytes()
    assert one(item, "screenshot_banner").metadata["exhibit"] == item.exhibit
    render = item.metadata["render"]
    assert render["source"] == "fetched" and render["timed_out"] is False and render["profile"] == "off-the-record"
    assert item.acquisition["browser_profile"] == "off-the-record"
    assert "QtWebEngine" in item.acquisition["render_engine"]
    assert any("Rendering" in m for m in progress)
    requested = {r["url"] for r in render["browser_requests"]}
    assert site.url("/img/a.png") in requested  # what the browser itself fetched is listed
    assert case.verify(record=False).ok
    assert not list(case.objects.tmp_dir.iterdir())


def test_tall_page_full_height_and_cap(case: Case, site, qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr("evidence_kit.render.engine.SLICE_HEIGHT", 1800)  # several slices, stitched
    item = capture_url(case, site.url("/tall.html"), options=opts(fetch_media=False))
    shot = image(case, item, "screenshot").convert("RGB")
    assert shot.height == TALL_HEIGHT and shot.width == 1280
    meta = one(item, "screenshot").metadata
    assert meta["page_height"] == TALL_HEIGHT and meta["captured_height"] == TALL_HEIGHT
    assert meta["height_capped"] is False
    # the gradient runs red to blue down the page: every slice is where it belongs
    reds = [shot.getpixel((640, y))[0] for y in (10, 1000, 2000, 3000, 4000, 4990)]
    assert reds == sorted(reds, reverse=True) and reds[0] > 240 and reds[-1] < 15
    capped = capture_url(case, site.url("/tall.html"), options=opts(fetch_media=False, max_screenshot_height=1500))
    cshot = image(case, capped, "screenshot")
    assert cshot.height == 1500
    cmeta = one(capped, "screenshot").metadata
    assert cmeta["height_capped"] is True and cmeta["page_height"] == TALL_HEIGHT and cmeta["height_cap"] == 1500
    assert "screenshot_capped" in capped.metadata["flags"]


def test_render_time_limit_is_recorded(case: Case, site, qapp) -> None:  # noqa: F811
    item = capture_url(case, site.url("/never.html"), options=opts(render_timeout_s=2, fetch_media=False))
    assert "render_timeout" in item.metadata["flags"] and item.metadata["render"]["timed_out"] is True
    assert "visible" in case.read_artifact(one(item, "dom")).decode()
    assert image(case, item, "screenshot").height > 0


def test_cancel_during_render_leaves_nothing(case: Case, site, qtbot) -> None:  # noqa: F811
    job = WebCaptureJob(case, site.url("/never.html"), opts(render_timeout_s=30))

    def on_progress(done: int, total: int, message: str) -> None:
        if "Rendering" in message:
            job.cancel()

    job.progress.connect(on_progress)
    with qtbot.waitSignal(job.cancelled, timeout=30000):
        job.start()
    assert job.wait(10) and job.item is None
    assert case.item_count() == 0
    assert not list(case.objects.tmp_dir.iterdir())


def test_failed_signal_carries_the_message(case: Case, qtbot) -> None:
    job = make_gui_job(case, "http://no-such-host.invalid/", "a note", ["t"], None)
    assert job.options.note == "a note" and job.options.tags == ["t"]
    with qtbot.waitSignal(job.failed, timeout=30000) as blocker:
        job.start()
    assert "DNS" in blocker.args[0] and case.item_count() == 0


def test_capture_from_browser_page(case: Case, site, qtbot) -> None:  # noqa: F811
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView

    profile = QWebEngineProfile()
    view = QWebEngineView()
    page = QWebEnginePage(profile, view)
    view.setPage(page)
    view.resize(1000, 700)
    view.show()
    with qtbot.waitSignal(page.loadFinished, timeout=30000):
        page.load(QUrl(site.url("/page.html")))
    job = make_page_job(case, view, {"mode": "off_the_record", "persistent": 0}, None, recorded=True)
    job.options.fetch_media = False
    with qtbot.waitSignal(job.finished, timeout=60000):
        job.start()
    item = job.item
    assert item is not None
    assert f'<div id="target">{SCRIPT_TEXT}</div>' in case.read_artifact(one(item, "dom")).decode()
    viewport = image(case, item, "screenshot_viewport")
    assert viewport.size == (1000, 700)
    assert image(case, item, "screenshot").height > 0
    assert case.read_artifact(one(item, "pdf")).startswith(b"%PDF-")
    assert item.metadata["render"]["source"] == "browser view"
    assert item.acquisition["browser_profile"] == "off-the-record"
    assert item.acquisition["record_mode"] == 1
    assert item.acquisition["browser_profile_settings"]["mode"] == "off_the_record"
    assert one(item, "warc").size > 0  # the URL was refetched for the raw exchange
    view.close()
    page.deleteLater()
    view.deleteLater()


def test_no_plaintext_outside_the_store(case: Case, site, qapp, tmp_path: Path) -> None:  # noqa: F811
    item = capture_url(case, site.url("/page.html"), options=opts(fetch_media=False))
    needle = SCRIPT_TEXT.encode()
    for path in case.path.rglob("*"):
        if path.is_file() and path.name != "case.db":
            assert needle not in path.read_bytes(), path
    assert item.exhibit


def test_script_dialogs_never_block(case: Case, site, qapp) -> None:  # noqa: F811
    item = capture_url(case, site.url("/alert.html"), options=opts(fetch_media=False))
    assert "after false null" in case.read_artifact(one(item, "dom")).decode()
    assert item.metadata["render"]["dialogs"] == ["alert: hello", "confirm: sure?", "prompt: name?"]


def test_proxy_the_engine_was_not_started_with_is_not_rendered(case: Case, proxy, qapp) -> None:  # noqa: F811
    # Chromium here was started without a proxy: rendering would bypass the configured one and
    # reveal the workstation's address, so the page is fetched (through the proxy) but not rendered.
    warnings: list[str] = []
    item = capture_url(case, "http://shop.example/", options=opts(proxy=proxy[0]), on_warning=warnings.append)
    assert proxy[1] == ["http://shop.example/"]
    assert "render_failed" in item.metadata["flags"]
    assert not [a for a in item.artifacts if a.role == "screenshot"]
    assert any("proxy" in w for w in warnings)
    from evidence_kit.render.engine import _chromium_proxy, proxy_mismatch

    assert proxy_mismatch("") == ""
    assert _chromium_proxy("socks5h://u:p@127.0.0.1:9050") == "socks5://127.0.0.1:9050"


def test_korean_euc_kr_page_renders_readable(case: Case, site, qapp) -> None:  # noqa: F811
    item = capture_url(case, site.url("/euckr.html"), options=opts(fetch_media=False))
    assert KOREAN_BODY in case.read_artifact(one(item, "dom")).decode()
    assert item.metadata["render"]["title"] == KOREAN_TITLE
    assert case.read_artifact(one(item, "original")) == site.routes["/euckr.html"]().body


def test_capture_from_page_without_a_view(case: Case, site, qtbot) -> None:  # noqa: F811
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile

    profile = QWebEngineProfile()
    page = QWebEnginePage(profile)
    with qtbot.waitSignal(page.loadFinished, timeout=30000):
        page.load(QUrl(site.url("/tall.html")))
    job = capture_from_page(case, page, opts(fetch_media=False))
    with qtbot.waitSignal(job.finished, timeout=60000):
        job.start()
    item = job.item
    assert item is not None and image(case, item, "screenshot").height == TALL_HEIGHT
    assert not [a for a in item.artifacts if a.role == "screenshot_viewport"]
    page.deleteLater()


def test_page_that_never_yields_is_cut_off(case: Case, site, qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr("evidence_kit.render.engine._WATCHDOG_EXTRA_S", 3)
    item = capture_url(case, site.url("/busy.html"), options=opts(render_timeout_s=2, fetch_media=False))
    assert item.metadata["render"]["timed_out"] is True
    assert {"warc", "original", "headers"} <= {a.role for a in item.artifacts}
    assert case.verify(record=False).ok


def test_chromium_flags_keep_it_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from evidence_kit.render import engine

    flags = os.environ["QTWEBENGINE_CHROMIUM_FLAGS"].split()
    for flag in ("--disable-background-networking", "--disable-component-update", "--no-pings"):
        assert flag in flags
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--proxy-server=http://old:1 --foo")
    monkeypatch.setattr(engine, "_engine_proxy", None)
    engine.prepare_environment("socks5://agent:secret@127.0.0.1:9050")
    flags = os.environ["QTWEBENGINE_CHROMIUM_FLAGS"].split()
    assert "--proxy-server=socks5://127.0.0.1:9050" in flags and "--proxy-server=http://old:1" not in flags
    assert "--foo" in flags and "secret" not in os.environ["QTWEBENGINE_CHROMIUM_FLAGS"]
    assert engine.proxy_mismatch("socks5://agent:secret@127.0.0.1:9050") == ""
    if os.geteuid() == 0:
        assert "--no-sandbox" in flags


def test_rendered_capture_exports_and_verifies_with_wacz(case: Case, site, qapp, tmp_path: Path) -> None:  # noqa: F811
    import zipfile

    from evidence_kit.core.export.bundle import export_bundle
    from evidence_kit.core.export.verify_bundle import verify_bundle

    item = capture_url(case, site.url("/r1"), options=opts())  # redirects, media, every rendered artifact
    out = tmp_path / "bundle.zip"
    export_bundle(case, [item.exhibit], out, lang="en", wacz=True)
    result = verify_bundle(out)
    assert result.ok, [str(p) for p in result.problems]
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    assert any(n.endswith(".wacz") for n in names)
    assert any(n.endswith(".warc.gz") for n in names)


def test_off_the_record_forgets_and_persona_remembers(case: Case, site, qapp) -> None:  # noqa: F811
    def cookie_text(**kw: object) -> tuple[str, Item]:
        item = capture_url(case, site.url("/cookie.html"), options=opts(fetch_media=False, **kw))
        dom = case.read_artifact(one(item, "dom")).decode()
        return dom.split('<p id="c">', 1)[1].split("<", 1)[0], item

    assert cookie_text()[0] == "cookie=none"
    assert cookie_text()[0] == "cookie=none"  # nothing kept from the previous capture
    first, item = cookie_text(persona="undercover-1")
    assert first == "cookie=none"
    assert item.acquisition["persona"] == "undercover-1"
    assert item.acquisition["browser_profile"] == "persona:undercover-1"
    second, _ = cookie_text(persona="undercover-1")
    assert second == "cookie=seen=1"
