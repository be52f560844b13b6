#!/usr/bin/env python3
"""Render the main views of the desktop application to PNG (docs/screenshots/), in English
and Korean, from a throwaway demo case. Offscreen; nothing touches the real user profile.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["EVIDENCE_KIT_INSECURE_FAST_KDF"] = "1"  # demo case only
os.environ["EVIDENCE_KIT_HOME"] = tempfile.mkdtemp(prefix="ek-screens-")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def demo_case(folder: Path):  # type: ignore[no-untyped-def]
    from PIL import Image, ImageDraw

    from evidence_kit.core import ledger
    from evidence_kit.core.case import Case

    case = Case.create(folder / "demo.ekcase", number="2026-SEOUL-0042", title="Deepfake distribution channel",
                       user="kim", password="demo-password-1",  # noqa: S106 (throwaway demo case) full_name="Kim Min-ji", badge="112-0042",
                       offence="Sexual Violence Punishment Act Art. 14-2", agency="Seoul Metropolitan Police Agency")
    case.ingest([ROOT / "tests" / "fixtures" / "exif"], tags=["channel-A"])
    # Web and screen items with typical metadata (synthetic, for the picture only)
    for i, (url, platform) in enumerate((("https://t.me/s/example_channel/1234", "telegram"),
                                         ("https://x.com/example/status/1790000000000000000", "x"),
                                         ("https://www.instagram.com/p/C0ExAmPlE/", "instagram"))):
        img = Image.new("RGB", (640, 400), (230 - i * 40, 120 + i * 30, 90 + i * 50))
        ImageDraw.Draw(img).rectangle((60, 60, 580, 340), outline=(255, 255, 255), width=6)
        buf = io.BytesIO()
        img.save(buf, "PNG")
        draft = case.new_item("web", source=url, title=f"Post {1234 + i}", action=ledger.CAPTURED, platform=platform)
        draft.add_bytes(buf.getvalue(), role="screenshot", name="screenshot.png", mime="image/png")
        draft.add_bytes(b"<html><body>post</body></html>", role="dom", name="dom.html", mime="text/html")
        draft.metadata["http"] = {"status": 200, "server_ip": "203.0.113.10",
                                  "headers": {"content-type": "text/html; charset=utf-8"}}
        draft.metadata["platform"] = {"platform": platform, "canonical_url": url, "ids": {"post": str(1234 + i)}}
        draft.tags = ["urgent"] if i == 0 else []
        draft.commit()
    case.set_notes("E0010", "Posted 3 March 21:14 KST; 1,204 views when captured.")
    case.record_view("E0010", revealed=True, artifact="screenshot.png")
    return case


def settle(app, ms: int = 300) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from evidence_kit.gui.app import create_application

    app = create_application([])
    from PySide6.QtGui import QFont

    app.setFont(QFont("NanumGothic", 10))  # Korean-capable; falls back when absent
    from evidence_kit.core.settings import Settings
    from evidence_kit.gui import i18n
    from evidence_kit.gui.capture_dialog import CaptureUrlDialog
    from evidence_kit.gui.main_window import MainWindow
    from evidence_kit.gui.start_dialog import StartDialog

    work = Path(tempfile.mkdtemp(prefix="ek-demo-"))
    case = demo_case(work)
    settings = Settings()
    settings.add_recent_case(str(case.path))
    settings.add_recent_case(str(work / "2026-BUSAN-0007.ekcase"))
    settings.save()
    shots: list[str] = []

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        settle(app)
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        shots.append(path.name)

    for lang in ("en", "ko"):
        i18n.set_language(lang)
        start = StartDialog(settings)
        start.resize(620, 520)
        start.show()
        start.user.setText("kim")
        save(start, f"start-{lang}")
        start.tabs.setCurrentIndex(1)
        save(start, f"new-case-{lang}")
        start.close()

        window = MainWindow(case, settings)
        window.resize(1440, 860)
        window.show()
        window.evidence.select_item(10)
        settle(app, 800)
        save(window, f"main-{lang}")
        window.evidence.detail.tabs.setCurrentIndex(1)
        save(window, f"detail-{lang}")
        window.evidence.detail.tabs.setCurrentIndex(0)
        window.tabs.setCurrentWidget(window.custody)
        window.custody.verify_now()
        while window.custody.task is not None:
            settle(app, 100)
        save(window, f"custody-{lang}")
        window.tabs.setCurrentWidget(window.browser_holder)
        browser = window.browser()
        browser.view.setHtml("<html><body style='font-family:sans-serif;padding:40px'><h1>Evidence browser</h1>"
                             "<p>Pages open off the record unless a persona profile is chosen.</p></body></html>")
        settle(app, 1500)
        browser.address.setText("https://t.me/s/example_channel")
        save(window, f"browser-{lang}")
        window.tabs.setCurrentWidget(window.evidence)
        dialog = CaptureUrlDialog(case, window.tasks, window, url="https://t.me/s/example_channel")
        dialog.notes.setPlainText("Channel reported by the victim on 3 March")
        dialog.tags.setText("channel-A")
        dialog.show()
        save(dialog, f"capture-url-{lang}")
        dialog.close()
        window.screen_capture()
        save(window.screen_dialog, f"screen-capture-{lang}")
        window.screen_dialog.close()
        # keep the case open for the next language: close without closing the case
        window.tasks.cancel_all_and_wait()
        window.hide()
        window.deleteLater()
        settle(app)
    case.close()
    print("\n".join(str(out / s) for s in shots))
    return 0


if __name__ == "__main__":
    sys.exit(main())
