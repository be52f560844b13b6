"""The HTTP/WARC part of web capture (no rendering), against servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from evidence_kit.core.capture import (
    CaptureOptions,
    CaptureTimeoutError,
    ConnectionRefusedError_,
    DnsError,
    NetworkError,
    TlsError,
    UrlRefusedError,
    capture_web,
)
from evidence_kit.core.capture.html import decode_html, detect_charset, scan_page
from evidence_kit.core.capture.spool import EncryptedSpool
from evidence_kit.core.capture.urls import check_url
from evidence_kit.core.capture.web import _redact_proxy
from evidence_kit.core.case import Case, Item
from evidence_kit.core.errors import CancelledError
from evidence_kit.core.progress import CancelToken
from tests.webcapture_servers import KOREAN_BODY, KOREAN_TITLE, closed_port, png_bytes, site  # noqa: F401


def opts(**kw: object) -> CaptureOptions:
    base = {"render": False, "timeout_s": 10, "ntp_server": "", "tsa_urls": []}
    base.update(kw)
    return CaptureOptions.from_settings(**base)  # type: ignore[arg-type]


def art(item: Item, role: str) -> list:
    return [a for a in item.artifacts if a.role == role]


def warc_records(case: Case, item: Item) -> list[tuple[str, dict[str, str], bytes, str | None]]:
    """(type, WARC headers, payload, payload digest) of every record, read back with warcio."""
    data = case.read_artifact(art(item, "warc")[0])
    out = []
    for rec in ArchiveIterator(io.BytesIO(data)):
        headers = dict(rec.rec_headers.headers)
        payload = rec.content_stream().read() if rec.rec_type in ("response", "metadata", "resource") else b""
        out.append((rec.rec_type, headers, payload, rec.rec_headers.get_header("WARC-Payload-Digest")))
    return out


def tmp_leftovers(case: Case) -> list[str]:
    tmp = case.objects.tmp_dir
    return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


# -- URLs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "ftp://example.com/x", "mailto:a@b.c", "chrome://settings", "", "   ",
                                 "http://", "http://exa mple.com/", "http://[::1/", "http://host:99999/",
                                 "http://bad_host!/", "http://user:pw@example.com/", "view-source:http://x.com",
                                 "http://" + "a" * 9000 + ".com"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(UrlRefusedError) as err:
        check_url(url)
    assert " / " in err.value.message  # English / Korean


@pytest.mark.parametrize(("url", "expected"), [
    ("example.com/page", "https://example.com/page"),
    ("HTTP://Example.COM", "http://example.com/"),
    ("http://127.0.0.1:8080/a?b=1#frag", "http://127.0.0.1:8080/a?b=1#frag"),
    ("https://[::1]:8443/x", "https://[::1]:8443/x"),
    ("https://한국.kr/경로", "https://한국.kr/경로"),
])
def test_good_urls_are_normalised(url: str, expected: str) -> None:
    assert check_url(url) == expected


def test_refused_scheme_creates_no_item(case: Case) -> None:
    with pytest.raises(UrlRefusedError):
        capture_web(case, "file:///etc/passwd", opts())
    assert case.item_count() == 0


# -- the happy path -------------------------------------------------------------------------
def test_page_capture_warc_roundtrip(case: Case, site) -> None:  # noqa: F811
    outcome = capture_web(case, site.url("/page.html"), opts(note="n1", tags=["x"]))
    item = outcome.item
    assert item.kind == "web" and item.title == "Test page 테스트" and item.notes == "n1" and item.tags == ["x"]
    roles = [a.role for a in item.artifacts]
    assert roles.count("original") == 1 and "warc" in roles and "headers" in roles
    assert "certificate" not in roles  # plain http
    meta = item.metadata
    assert meta["status"] == 200 and meta["server_ip"] == "127.0.0.1" and meta["final_url"] == site.url("/page.html")
    assert meta["tls"] is None and meta["flags"] == []
    acq = item.acquisition
    for key in ("collector", "workstation", "os", "tool", "user_agent", "proxy", "persona", "started_utc",
                "ended_utc", "local_zone", "limits"):
        assert key in acq, key
    assert acq["persona"] == "off-the-record"
    # the WARC: warcinfo, request/response per hop, metadata; digests match the payloads
    records = warc_records(case, item)
    types = [r[0] for r in records]
    assert types[0] == "warcinfo" and types[-1] == "metadata"
    responses = [r for r in records if r[0] == "response"]
    page = next(r for r in responses if r[1]["WARC-Target-URI"] == site.url("/page.html"))
    original = case.read_artifact(art(item, "original")[0])
    assert page[2] == original
    assert page[1]["WARC-IP-Address"] == "127.0.0.1"
    for rtype, _headers, payload, digest in records:
        if rtype == "response":
            assert digest is not None and digest.startswith("sha256:")
            import base64

            assert base64.b32encode(hashlib.sha256(payload).digest()).decode() == digest.split(":", 1)[1]
    assert all(h.get("WARC-Concurrent-To") for t, h, _, _ in records if t == "request")
    metadata = json.loads(records[-1][2])
    assert metadata["server_ip"] == "127.0.0.1" and metadata["requested_url"] == site.url("/page.html")
    # the ledger event lists every artifact's hashes
    ev = case.events(item=item.exhibit)[0]
    assert ev.action == "captured" and len(ev.details["artifacts"]) == len(item.artifacts)
    assert case.verify(record=False).ok
    assert tmp_leftovers(case) == []


@pytest.mark.parametrize("path", ["/r1", "/gzip.html", "/chunked.html", "/huge.bin", "/missing"])
def test_warcio_check_passes(case: Case, site, tmp_path: Path, path: str) -> None:  # noqa: F811
    item = capture_web(case, site.url(path), opts(max_response_bytes=1 << 20)).item
    warc = tmp_path / "capture.warc.gz"
    warc.write_bytes(case.read_artifact(art(item, "warc")[0]))
    res = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(warc)],
                         capture_output=True, text=True)
    if "No module named warcio.cli" in res.stderr:  # older layout: the console script
        res = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", "-v", str(warc)],
                             capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "digest pass" in res.stdout and "fail" not in res.stdout.lower()


def test_redirect_chain_is_recorded(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.url("/r1"), opts(fetch_media=False)).item
    chain = item.metadata["redirect_chain"]
    assert [h["status"] for h in chain] == [302, 301, 200]
    assert [h["url"] for h in chain] == [site.url("/r1"), site.url("/r2"), site.url("/page.html")]
    assert chain[0]["location"] == site.url("/r2")
    assert item.source == site.url("/r1") and item.metadata["final_url"] == site.url("/page.html")
    uris = [h["WARC-Target-URI"] for t, h, _, _ in warc_records(case, item) if t == "response"]
    assert uris == [site.url("/r1"), site.url("/r2"), site.url("/page.html")]


def test_redirect_to_javascript_is_recorded_not_followed(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.url("/to-js"), opts()).item
    assert item.metadata["status"] == 302 and "redirect_not_followed" in item.metadata["flags"]
    assert item.metadata["redirect_chain"][0]["location"] == "javascript:alert(1)"


def test_redirect_loop_is_an_error(case: Case, site) -> None:  # noqa: F811
    with pytest.raises(NetworkError, match="redirects"):
        capture_web(case, site.url("/loop"), opts())
    assert case.item_count() == 0 and tmp_leftovers(case) == []


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/broken", 500)])
def test_http_errors_are_captured_as_served(case: Case, site, path: str, status: int) -> None:  # noqa: F811
    item = capture_web(case, site.url(path), opts()).item
    assert item.metadata["status"] == status and f"http_{status}" in item.metadata["flags"]
    assert item.title in ("Not here", "Oops")
    assert b"page" in case.read_artifact(art(item, "original")[0]) or status == 500


def test_direct_link_to_image_is_the_original(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.url("/photo.png"), opts(render=True)).item
    orig = art(item, "original")
    assert len(orig) == 1 and orig[0].mime == "image/png" and orig[0].name == "photo.png"
    assert case.read_artifact(orig[0]) == site.routes["/photo.png"]().body
    assert not art(item, "screenshot")  # a file is not rendered
    assert art(item, "warc")


def test_euc_kr_pages_decode_and_keep_raw_bytes(case: Case, site) -> None:  # noqa: F811
    for path in ("/euckr.html", "/euckr-meta.html"):
        item = capture_web(case, site.url(path), opts()).item
        assert item.title == KOREAN_TITLE
        assert item.metadata["page"]["charset"] == "cp949"
        raw = case.read_artifact(art(item, "original")[0])
        assert raw == site.routes[path]().body  # byte for byte, not re-encoded
        assert KOREAN_BODY.encode("euc-kr") in raw


def test_gzip_and_chunked_bodies(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.url("/gzip.html"), opts()).item
    assert item.title == "gzipped"
    assert b"compressed body" in case.read_artifact(art(item, "original")[0])
    rec = next(r for r in warc_records(case, item) if r[0] == "response")
    assert b"compressed body" in rec[2]  # warcio undoes the content-encoding on read
    item2 = capture_web(case, site.url("/chunked.html"), opts()).item
    assert item2.title == "chunked"
    expected = b"<html><head><title>chunked</title></head><body>in pieces</body></html>"
    assert case.read_artifact(art(item2, "original")[0]) == expected


# -- embedded media -------------------------------------------------------------------------
def test_embedded_media_are_fetched_each_as_artifact(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.url("/page.html"), opts()).item
    media = art(item, "media")
    sources = {a.metadata["source"] for a in media}
    assert {"og:image", "img", "img-srcset", "og:video"} <= sources
    names = [a.name for a in media]
    assert len(names) == len(set(names))
    jpg = next(a for a in media if a.metadata["source"] == "og:image")
    assert jpg.mime == "image/jpeg" and case.read_artifact(jpg) == site.routes["/img/og.jpg"]().body
    video = next(a for a in media if a.metadata["kind"] == "video")
    assert video.mime.startswith("video/")
    summary = {m["url"]: m for m in item.metadata["media"]}
    assert summary[site.url("/img/poster.png")]["status"].startswith("not stored: HTTP 404")
    assert summary[site.url("/player.html")]["status"] == "not stored: not a media file (text/html)"
    assert not any(u.startswith("data:") for u in summary)
    # every media hop is in the WARC too
    uris = {h["WARC-Target-URI"] for t, h, _, _ in warc_records(case, item) if t == "response"}
    assert site.url("/img/og.jpg") in uris and site.url("/img/poster.png") in uris


def test_media_limits(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.url("/many.html"), opts(max_embedded_media=5)).item
    assert len(art(item, "media")) == 5
    statuses = [m["status"] for m in item.metadata["media"]]
    assert statuses.count("skipped: count limit") == 7
    budget = sum(len(png_bytes(20 + i, 20, (i * 20, 0, 0))) for i in range(3))
    item2 = capture_web(case, site.url("/many.html"), opts(max_embedded_media_bytes=budget)).item
    assert 1 <= len(art(item2, "media")) <= 3
    assert any(s.startswith("skipped: byte limit") or "truncated" in s
               for s in (m["status"] for m in item2.metadata["media"]))
    item3 = capture_web(case, site.url("/many.html"), opts(fetch_media=False)).item
    assert not art(item3, "media")


# -- limits and faults ----------------------------------------------------------------------
def test_huge_body_is_truncated_and_marked(case: Case, site) -> None:  # noqa: F811
    limit = 1 << 20
    item = capture_web(case, site.url("/huge.bin"), opts(max_response_bytes=limit)).item
    assert item.metadata["truncated"] == "length" and "truncated" in item.metadata["flags"]
    assert art(item, "original")[0].size == limit
    resp = next(r for r in warc_records(case, item) if r[0] == "response")
    assert resp[1]["WARC-Truncated"] == "length" and len(resp[2]) == limit


def test_stalled_body_is_cut_at_the_time_limit(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.url("/stall.html"), opts(timeout_s=1)).item
    assert item.metadata["truncated"] == "time"
    assert case.read_artifact(art(item, "original")[0]).endswith(b"first part")
    assert item.title == "slow"


def test_no_answer_is_a_timeout(case: Case, site) -> None:  # noqa: F811
    with pytest.raises(CaptureTimeoutError) as err:
        capture_web(case, site.url("/no-answer"), opts(timeout_s=1))
    assert "/" in err.value.message
    assert case.item_count() == 0 and tmp_leftovers(case) == []


def test_dns_failure(case: Case) -> None:
    with pytest.raises(DnsError, match="resolved"):
        capture_web(case, "http://no-such-host.invalid/", opts())
    assert case.item_count() == 0


def test_connection_refused(case: Case) -> None:
    with pytest.raises(ConnectionRefusedError_, match="refused"):
        capture_web(case, f"http://127.0.0.1:{closed_port()}/", opts())
    assert case.item_count() == 0


def test_cancel_mid_capture_leaves_no_item_and_no_plaintext(case: Case, site) -> None:  # noqa: F811
    token = CancelToken()

    def progress(done: int, total: int, message: str) -> None:
        if "Downloading" in message and done > 0:
            token.cancel()

    with pytest.raises(CancelledError):
        capture_web(case, site.url("/huge.bin"), opts(), progress=progress, cancel=token)
    assert case.item_count() == 0
    assert tmp_leftovers(case) == []
    assert [e.action for e in case.events()] == ["case_created"]


# -- TLS ------------------------------------------------------------------------------------
def test_https_with_trusted_test_ca(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.https("/page.html"), opts(ca_bundle=str(site.ca_pem), fetch_media=False)).item
    tls = item.metadata["tls"]
    assert tls["verified"] is True and tls["error"] == ""
    assert tls["certificate"]["subject"] == "CN=localhost"
    assert tls["certificate"]["issuer"] == "CN=Evidence Kit Test CA"
    assert "127.0.0.1" in tls["certificate"]["subject_alt_names"]
    pem = case.read_artifact(art(item, "certificate")[0]).decode()
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    from cryptography import x509

    leaf = x509.load_pem_x509_certificate(pem.encode())
    assert hashlib.sha256(leaf.public_bytes(__import__("cryptography.hazmat.primitives.serialization",
                                                       fromlist=["Encoding"]).Encoding.DER)).hexdigest() == \
        tls["certificate"]["sha256"]
    assert item.metadata["flags"] == []


def test_tls_failure_is_refused_by_default(case: Case, site) -> None:  # noqa: F811
    with pytest.raises(TlsError) as err:
        capture_web(case, site.https("/page.html"), opts())
    assert "certificate" in err.value.message.lower() and "인증서" in err.value.message
    assert case.item_count() == 0 and tmp_leftovers(case) == []


def test_tls_failure_captured_and_marked_when_allowed(case: Case, site) -> None:  # noqa: F811
    item = capture_web(case, site.https("/page.html"), opts(allow_invalid_tls=True, fetch_media=False)).item
    assert "tls_invalid" in item.metadata["flags"]
    tls = item.metadata["tls"]
    assert tls["verified"] is False and tls["error"]
    assert tls["certificate"]["subject"] == "CN=localhost"  # the certificate is still recorded
    assert art(item, "certificate")[0].metadata["verified"] is False
    ev = case.events(item=item.exhibit)[0]
    assert ev.details["tls_verified"] == 0 and "tls_invalid" in ev.details["flags"]


# -- pieces ---------------------------------------------------------------------------------
def test_spool_is_encrypted_on_disk_and_removed(tmp_path: Path) -> None:
    secret = ("증거 evidence " * 5000).encode()
    with EncryptedSpool(tmp_path) as spool:
        for i in range(0, len(secret), 777):
            spool.write(secret[i:i + 777])
        spool.flush()
        on_disk = spool.path.read_bytes()
        assert len(on_disk) == len(secret) and b"evidence" not in on_disk
        for offset in (0, 1, 15, 16, 17, 1000, len(secret) - 3):
            spool.seek(offset)
            assert spool.read(50) == secret[offset:offset + 50]
        spool.seek(0)
        assert spool.read() == secret
        path = spool.path
    assert not path.exists()


def test_charset_detection() -> None:
    assert detect_charset("text/html; charset=EUC-KR", b"")[0] == "cp949"
    assert detect_charset("text/html", b'<meta charset="ks_c_5601-1987">')[0] == "cp949"
    assert detect_charset("", "한국어".encode("cp949"))[0] == "cp949"
    assert detect_charset("", "한국어".encode())[0] == "utf-8"
    assert detect_charset("text/html; charset=bogus", b"abc")[0] == "utf-8"
    text, codec, _ = decode_html("text/html; charset=euc-kr", "가나다".encode("euc-kr") + b"\xff\xff")
    assert text.startswith("가나다") and codec == "cp949"


def test_scan_page_media_and_hostile_markup() -> None:
    html = ('<html><head><base href="https://cdn.example/x/"><title> A\n  title </title>'
            '<meta property="og:image" content="og.jpg"></head><body>'
            '<img src="a.png" srcset="s.png 300w, l.png 1200w, m.png 600w"><img src="javascript:x">'
            '<img src="a.png"><video src="v.mp4" poster="p.jpg"><source src="v.webm"></video>'
            '<picture><source srcset="pic.avif 1x, pic2.avif 2x"></picture><img src="ftp://x/y.png">')
    info = scan_page(html, "https://site.example/page")
    urls = [m.url for m in info.media]
    assert info.title == "A title"
    assert urls[0] == "https://cdn.example/x/og.jpg"
    assert "https://cdn.example/x/l.png" in urls and "https://cdn.example/x/s.png" not in urls
    assert urls.count("https://cdn.example/x/a.png") == 1
    assert {m.kind for m in info.media if m.url.endswith((".mp4", ".webm"))} == {"video"}
    assert "https://cdn.example/x/pic2.avif" in urls
    assert not any(u.startswith(("javascript", "ftp")) for u in urls)
    for hostile in ("<img src='", "<<<>>><title>", "<svg><script>" * 1000, "\x00\x01<img src=a>"):
        scan_page(hostile, "http://x/")  # never raises


def test_proxy_password_never_recorded() -> None:
    assert _redact_proxy("socks5://bob:s3cret@127.0.0.1:9050") == "socks5://bob:***@127.0.0.1:9050"
    assert "s3cret" not in _redact_proxy("http://:s3cret@proxy:3128")
    assert _redact_proxy("http://proxy:3128") == "http://proxy:3128"


def test_proxy_is_used_and_recorded(case: Case, site) -> None:  # noqa: F811
    # A tiny forward proxy: it answers every request itself, so we see it was used.
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            body = b"<html><head><title>via proxy</title></head></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        proxy = f"http://agent:pw123@127.0.0.1:{server.server_address[1]}"
        item = capture_web(case, "http://evidence.example/post/1", opts(proxy=proxy)).item
    finally:
        server.shutdown()
        server.server_close()
    assert seen == ["http://evidence.example/post/1"]
    assert item.title == "via proxy"
    assert item.acquisition["proxy"] == f"http://agent:***@127.0.0.1:{server.server_address[1]}"
    assert "pw123" not in json.dumps(item.to_json())


def test_browser_charset_labels() -> None:
    from evidence_kit.core.capture.html import web_label

    assert web_label("cp949") == "euc-kr" and web_label("utf-8") == "utf-8"
    assert web_label("cp1252") == "windows-1252" and web_label("iso8859-15") == "iso-8859-15"
    assert web_label("shift_jis") == "shift_jis" and web_label("") == "utf-8"


# -- hostile input, any string --------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_check_url_only_ever_refuses_cleanly(text: str) -> None:
    try:
        out = check_url(text)
    except UrlRefusedError:
        return
    assert out.startswith(("http://", "https://"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.text(max_size=80))
def test_page_parsing_never_raises(body: bytes, content_type: str) -> None:
    text, codec, _ = decode_html(content_type, body)
    info = scan_page(text, "https://example.com/a/b")
    assert isinstance(info.title, str) and codec
    assert all(m.url.startswith(("http://", "https://")) for m in info.media)
