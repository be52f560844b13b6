"""Shared builders for the request tests: items of each platform, complete officer fields."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

from evidence_kit.core import ledger
from evidence_kit.core.case import Case, Item

FIELDS = {
    "agency_address": "서울특별시 종로구 사직로8길 31",
    "officer_title": "경위",
    "officer_email": "kim.officer@police.go.kr",
    "officer_phone": "+82-2-700-1234",
    "summary": "피의자는 허위영상물을 제작하여 텔레그램 채널과 SNS에 반포하였음.",
    "legal_articles": "성폭력범죄의 처벌 등에 관한 특례법 제14조의2",
    "date_from": "2026-01-01",
    "date_to": "2026-03-01",
    "legal_process": "서울중앙지방법원 압수수색영장 2026-1234",
    "emergency_facts": "피해 아동이 자해를 예고하는 메시지를 보냄.",
    "preservation_reference": "PRES-0001",
}

# platform file -> (item platform, url, ids, handle)
SAMPLES: dict[str, tuple[str, str, dict[str, str], str]] = {
    "x": ("x", "https://x.com/badguy/status/1790000000000000001",
          {"status_id": "1790000000000000001", "user_id": "44196397"}, "@badguy"),
    "meta": ("instagram", "https://www.instagram.com/p/C9abcDEFghi/",
             {"shortcode": "C9abcDEFghi", "user_id": "5821462185"}, "@deepfake.kr"),
    "google": ("youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
               {"video_id": "dQw4w9WgXcQ", "channel_id": "UCuAXFkgsw1L7xaCfnd5JJOw"}, "@fakechan"),
    "tiktok": ("tiktok", "https://www.tiktok.com/@fakeuser/video/7301234567890123456",
               {"video_id": "7301234567890123456"}, "@fakeuser"),
    "discord": ("discord", "https://discord.com/channels/1111111111111111111/2222222222222222222/3333333333333333333",
                {"guild_id": "1111111111111111111", "channel_id": "2222222222222222222",
                 "message_id": "3333333333333333333"}, ""),
    "telegram": ("telegram", "https://t.me/deepfakechan/1234", {"channel": "deepfakechan", "message_id": "1234"},
                 "@deepfakechan"),
    "kcsc": ("x", "https://x.com/badguy/status/1790000000000000001",
             {"status_id": "1790000000000000001", "user_id": "44196397"}, "@badguy"),
}


def png_bytes(seed: int = 0) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (32, 32), (seed % 256, 40, 90))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def add_web_item(case: Case, item_platform: str, url: str, ids: dict[str, str], handle: str,
                 seed: int = 0) -> Item:
    draft = case.new_item("web", source=url, title=f"capture of {url}", action=ledger.CAPTURED,
                          platform=item_platform)
    draft.add_bytes(png_bytes(seed), role="screenshot", name="page.png", mime="image/png")
    draft.add_bytes(b"<html>page</html>", role="dom", name="dom.html", mime="text/html")
    draft.metadata["platform"] = {"platform": item_platform, "kind": "post", "canonical_url": url, "ids": ids,
                                  "handle": handle or None, "observed_url": url}
    return draft.commit()


def add_sample(case: Case, platform_file: str, seed: int = 0) -> Item:
    p, url, ids, handle = SAMPLES[platform_file]
    return add_web_item(case, p, url, ids, handle, seed)


def pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts: list[str] = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def events(case: Case, action: str) -> list[Any]:
    return case.events(action=action)
