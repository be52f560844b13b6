"""A real test case exported into an ExportContext: fixture photos, a video, a broken image and a
web-capture-like item with several artifacts, long hashes and a very long URL."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, ImageDraw

from evidence_kit.core import ledger
from evidence_kit.core.case import TOOL, Case, Item
from evidence_kit.core.export.context import ExportContext

FIXTURES = Path(__file__).parent.parent / "fixtures"
PHOTOS = [
    FIXTURES / "telegram/tgif_coorporate_speak/photos/photo_317@05-06-2022_15-43-13.jpg",
    FIXTURES / "exif/imagemeta__goexif__geodegrees_as_string.jpg",
]
LONG_URL = ("https://t.me/s/deepfake_channel_example/12345?" + "&".join(f"param{i}=value{i}xyz" for i in range(40))
            + "&q=" + "A" * 300)


def screenshot_png() -> bytes:
    im = Image.new("RGB", (800, 2400), "white")
    d = ImageDraw.Draw(im)
    for y in range(0, 2400, 40):
        d.text((20, y), f"Line {y // 40}: suspect post text, account @someone, id 99887766", fill=(0, 0, 0))
    d.rectangle((500, 60, 760, 300), fill=(200, 60, 60))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def add_web_item(case: Case) -> Item:
    draft = case.new_item("web", source=LONG_URL, title="게시물 캡처: 딥페이크 채널 / Deepfake channel post",
                          action=ledger.CAPTURED, platform="telegram")
    shot = screenshot_png()
    draft.add_bytes(shot, role="screenshot", name="screenshot.png", mime="image/png",
                    metadata={"width": 800, "height": 2400, "full_page": True})
    draft.add_bytes(b"WARC/1.1\r\nWARC-Type: response\r\n\r\n" + b"x" * 5000, role="warc", name="capture.warc.gz",
                    mime="application/warc")
    draft.add_bytes(b"<html><body>post</body></html>", role="dom", name="dom.html", mime="text/html")
    draft.add_bytes(b"HTTP/1.1 200 OK\r\nServer: nginx\r\n", role="headers", name="headers.txt", mime="text/plain",
                    metadata={"status": 200})
    # The shape core/capture/web.py writes (status, server, TLS, flags at the top level).
    draft.metadata = {
        "requested_url": LONG_URL, "final_url": "https://t.me/s/deepfake_channel_example/12345",
        "status": 200, "reason": "OK", "server_ip": "149.154.167.99", "server_port": 443,
        "tls": {"verified": True, "error": "", "version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384",
                "certificate": {"subject": "CN=t.me", "issuer": "CN=Go Daddy Secure CA - G2",
                                "not_before": "2026-01-01T00:00:00Z", "not_after": "2027-01-01T00:00:00Z",
                                "sha256": "ab" * 32},
                "chain": [{"subject": "CN=t.me", "pem": "-----BEGIN CERTIFICATE-----"}]},
        "redirect_chain": [{"url": LONG_URL, "status": 301},
                           {"url": "https://t.me/s/deepfake_channel_example/12345", "status": 200}],
        "http": {"request_headers": [["Host", "t.me"], ["Accept", "text/html"]],
                 "response_headers": [["Server", "nginx/1.18.0"], ["Content-Type", "text/html; charset=utf-8"]]},
        "flags": ["screenshot_capped"],
        "platform": {"platform": "telegram", "kind": "post",
                     "canonical_url": "https://t.me/deepfake_channel_example/12345",
                     "ids": {"channel": "deepfake_channel_example", "message_id": "12345"},
                     "handle": "deepfake_channel_example", "observed_url": LONG_URL, "resolved_url": ""},
    }
    draft.acquisition.update({"method": "HTTP (python-requests) + QtWebEngine render",
                              "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                            "Chrome/124.0 Safari/537.36",
                              "proxy": "socks5://127.0.0.1:9050", "persona": "off-the-record",
                              "clock": {"server": "time.kriss.re.kr", "measured_at": "2026-11-22T03:00:00.000Z",
                                        "ok": 1, "offset_s": "-0.042", "delay_s": "0.010", "stratum": 1,
                                        "server_time": "2026-11-22T03:00:00.000Z"},
                              "server_ip": "149.154.167.99", "limits": {"max_bytes": 268435456}})
    draft.notes = "피해자 신고로 수집. Collected after the victim's report.\n두 번째 줄."
    draft.tags = ["deepfake", "긴급"]
    return draft.commit()


def add_video_item(case: Case, tmp: Path) -> Item:
    video = tmp / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 4000)
    return case.ingest([video]).items[0]


def add_broken_image_item(case: Case) -> Item:
    draft = case.new_item("file", source="/evidence/broken.jpg", title="broken.jpg", action=ledger.IMPORTED)
    draft.add_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x13" * 300, role="original", name="broken.jpg",
                    mime="image/jpeg")
    return draft.commit()


def build_context(case: Case, tmp: Path, *, lang: str = "ko", blur: bool = True) -> ExportContext:
    result = case.ingest(PHOTOS, note="메신저에서 받은 사진", tags=["photo"])
    assert result.ok, result.failures
    add_web_item(case)
    add_video_item(case, tmp)
    add_broken_image_item(case)
    case.set_notes("E0001", "원본 사진. Original photo.")
    items = case.items()
    case.record_view(items[0].exhibit, revealed=False, artifact="original")
    items = case.items()
    events = case.events()
    exhibits = {it.exhibit for it in items}
    included = [e for e in events if e.item in exhibits or e.action in (ledger.CASE_CREATED, ledger.USER_ADDED)]
    paths = {a.id: f"evidence/{it.exhibit.rsplit('-', 1)[-1]}/{a.role}/{a.name}" for it in items for a in it.artifacts}
    sums = "".join(f"{a.sha256}  {paths[a.id]}\n" for it in items for a in it.artifacts)
    return ExportContext(
        case_info=case.info, exporter=case.user, exported_at=ledger.utc_now_ms(), lang=lang, blur=blur,
        items=items, events=included, ledger_head=case.ledger_head(),
        evidence_digest=hashlib.sha256(sums.encode()).hexdigest(), bundle_name="2026-SEOUL-0042-bundle.zip",
        tool=TOOL, users=case.users(), read_artifact=case.read_artifact, artifact_paths=paths,
    )
