"""Helpers for the bundle tests: a case with file and web-capture items, and ZIP surgery."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from evidence_kit.core import ledger
from evidence_kit.core.case import Case, Item

FIXTURES = Path(__file__).parent / "fixtures"
INVESTIGATOR, INVESTIGATOR_PW = "lee", "investigator-pw-1"
AUDITOR, AUDITOR_PW = "park", "auditor-pw-1"
PAGE_URL = "https://www.example.com/channel/post?id=7&b=2"
PAGE_HTML = "<html><head><title>게시물 7</title></head><body><img src='/a.png'>증거</body></html>".encode()
PNG = (FIXTURES / "exif" / "pillow__exif.png").read_bytes()


def make_warc(gzip: bool = True) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record("capture.warc.gz", {"software": "test"}))
    req = StatusAndHeaders("GET /channel/post?id=7&b=2 HTTP/1.1", [("Host", "www.example.com")], is_http_request=True)
    writer.write_record(writer.create_warc_record(PAGE_URL, "request", http_headers=req))
    resp = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(PAGE_URL, "response", payload=io.BytesIO(PAGE_HTML),
                                                  http_headers=resp))
    img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://www.example.com/a.png", "response",
                                                  payload=io.BytesIO(PNG), http_headers=img))
    return buf.getvalue()


def add_web_item(case: Case, *, warc: bytes | None = None, title: str = "게시물 7") -> Item:
    draft = case.new_item("web", source=PAGE_URL, title=title, action=ledger.CAPTURED, platform="")
    draft.add_bytes(warc if warc is not None else make_warc(), role="warc", name="capture.warc.gz",
                    mime="application/warc")
    draft.add_bytes(PNG, role="screenshot", name="screenshot.png", mime="image/png")
    draft.add_bytes(PAGE_HTML, role="dom", name="dom.html", mime="text/html")
    draft.add_bytes(b'{"status": 200}', role="headers", name="headers.json", mime="application/json")
    draft.metadata["http"] = {"status": 200}
    draft.notes = "captured for the test"
    draft.tags = ["deepfake"]
    return draft.commit()


def populate(case: Case, case_dir: Path) -> list[Item]:
    """E0001 a PNG (annotated), E0002 a web capture, E0003 a JSON file captured by an
    investigator; an auditor user too. The officer `case` stays open."""
    items = case.ingest([FIXTURES / "exif" / "pillow__exif.png"]).items
    case.set_notes(items[0].exhibit, "첫 번째 증거")
    case.add_user(INVESTIGATOR, INVESTIGATOR_PW, "investigator", full_name="Lee Inv", badge="777")
    case.add_user(AUDITOR, AUDITOR_PW, "auditor", full_name="Park Aud")
    items.append(add_web_item(case))
    with Case.open(case_dir, user=INVESTIGATOR, password=INVESTIGATOR_PW) as inv:
        items += inv.ingest([FIXTURES / "telegram" / "tg2md_private_channel" / "result.json"]).items
    case.record_view(items[1].exhibit, revealed=False)
    return [case.item(i.exhibit) for i in items]


def rewrite_zip(src: Path, dst: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """Copy a ZIP, letting `change` edit its {name: bytes} (small test bundles only)."""
    with zipfile.ZipFile(src) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    change(files)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return dst


def unzip(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(src) as zf:
        zf.extractall(dest)
    return dest
