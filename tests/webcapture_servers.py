"""Local HTTP and HTTPS servers for the web-capture tests (127.0.0.1 only, never the internet).

`site` fixture: a ThreadingHTTPServer with a table of pages (scripts, tall page, redirects,
slow and stalled bodies, a huge body, EUC-KR, 404/500, images, gzip, chunked), plus the same
site over HTTPS with a certificate from a test CA made in the test (cryptography).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image


def png_bytes(w: int = 40, h: int = 30, color: tuple[int, int, int] = (0, 160, 0)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(w: int = 64, h: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


SCRIPT_TEXT = "Text written by a script 스크립트"
KOREAN_TITLE = "불법촬영물 유포 게시판 - 테스트"
KOREAN_BODY = "피해자 보호를 위한 증거 보전"

PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Test page 테스트</title>
<meta property="og:image" content="/img/og.jpg">
<meta name="twitter:image" content="/img/og.jpg">
<meta property="og:video" content="/media/clip.mp4">
<meta property="og:video:url" content="/player.html">
</head><body>
<h1>Evidence</h1>
<img src="/img/a.png" srcset="/img/a.png 1x, /img/a-2x.png 2x">
<img src="img/b.png">
<img src="data:image/png;base64,AAAA">
<video poster="/img/poster.png"><source src="/media/clip.mp4" type="video/mp4"></video>
<div id="target"></div>
<script>document.getElementById('target').textContent = {SCRIPT_TEXT!r};</script>
</body></html>"""

TALL_HEIGHT = 5000
TALL = f"""<!doctype html><html><head><title>tall</title></head>
<body style="margin:0"><div style="height:{TALL_HEIGHT}px;background:linear-gradient(#f00,#00f)">top</div>
</body></html>"""


@dataclass
class Response:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Callable[[BaseHTTPRequestHandler], None] | None = None  # writes the body itself


@dataclass
class Site:
    base: str
    https_base: str
    ca_pem: Path
    release: threading.Event
    hits: dict[str, int]
    routes: dict[str, Callable[[], Response]]

    def url(self, path: str) -> str:
        return self.base + path

    def https(self, path: str) -> str:
        return self.https_base + path


def _html(body: str | bytes, ctype: str = "text/html; charset=utf-8", status: int = 200) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Response(status, [("Content-Type", ctype), ("Content-Length", str(len(data)))], data)


def _routes(release: threading.Event) -> dict[str, Callable[[], Response]]:
    png, png2, jpg = png_bytes(), png_bytes(80, 60, (0, 0, 200)), jpeg_bytes()

    def stall_body(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"<html><head><title>slow</title></head><body>first part")
        handler.wfile.flush()
        release.wait(30)

    def huge_body(handler: BaseHTTPRequestHandler) -> None:
        chunk = b"A" * 65536
        with contextlib.suppress(OSError):
            for _ in range(200):  # 12.5 MiB unless the client stops reading
                handler.wfile.write(chunk)

    def chunked_body(handler: BaseHTTPRequestHandler) -> None:
        for part in (b"<html><head><title>chunked</title></head>", b"<body>in pieces</body></html>"):
            handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    def hang_image(handler: BaseHTTPRequestHandler) -> None:
        release.wait(60)

    gz = gzip.compress(b"<html><head><title>gzipped</title></head><body>compressed body</body></html>")
    euc = f"<html><head><title>{KOREAN_TITLE}</title></head><body><p>{KOREAN_BODY}</p></body></html>".encode("euc-kr")
    euc_meta = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'
                f"<title>{KOREAN_TITLE}</title></head><body>{KOREAN_BODY}</body></html>").encode("euc-kr")
    many = "".join(f'<img src="/img/n{i}.png">' for i in range(12))
    return {
        "/page.html": lambda: _html(PAGE),
        "/tall.html": lambda: _html(TALL),
        "/img/a.png": lambda: Response(200, [("Content-Type", "image/png")], png),
        "/img/a-2x.png": lambda: Response(200, [("Content-Type", "image/png")], png2),
        "/img/b.png": lambda: Response(200, [("Content-Type", "image/png")], png),  # same bytes as a.png
        "/img/og.jpg": lambda: Response(200, [("Content-Type", "image/jpeg")], jpg),
        "/img/poster.png": lambda: Response(404, [("Content-Type", "text/plain")], b"no poster"),
        "/media/clip.mp4": lambda: Response(200, [("Content-Type", "video/mp4")],
                                            b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 100),
        "/player.html": lambda: _html("<html><body>video player</body></html>"),
        "/photo.png": lambda: Response(200, [("Content-Type", "image/png")], png2),
        "/r1": lambda: Response(302, [("Location", "/r2")]),
        "/r2": lambda: Response(301, [("Location", "/page.html")]),
        "/to-js": lambda: Response(302, [("Location", "javascript:alert(1)")]),
        "/loop": lambda: Response(302, [("Location", "/loop")]),
        "/missing": lambda: _html("<html><head><title>Not here</title></head><body>404 page</body></html>",
                                  status=404),
        "/broken": lambda: _html("<html><head><title>Oops</title></head><body>server error</body></html>",
                                 status=500),
        "/euckr.html": lambda: _html(euc, "text/html; charset=euc-kr"),
        "/euckr-meta.html": lambda: _html(euc_meta, "text/html"),
        "/gzip.html": lambda: Response(200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                             ("Content-Length", str(len(gz)))], gz),
        "/chunked.html": lambda: Response(200, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
                                          stream=chunked_body),
        "/stall.html": lambda: Response(200, [("Content-Type", "text/html")], stream=stall_body),
        "/huge.bin": lambda: Response(200, [("Content-Type", "application/octet-stream")], stream=huge_body),
        "/never.html": lambda: _html('<html><head><title>never</title></head><body><p>visible</p>'
                                     '<img src="/hang.png"></body></html>'),
        "/hang.png": lambda: Response(200, [("Content-Type", "image/png")], stream=hang_image),
        "/alert.html": lambda: _html("<html><head><title>dialogs</title></head><body><p id=p>before</p><script>"
                                     "alert('hello'); var c = confirm('sure?'); var p = prompt('name?');"
                                     "document.getElementById('p').textContent = 'after ' + c + ' ' + p;"
                                     "</script></body></html>"),
        "/busy.html": lambda: _html("<html><head><title>busy</title></head><body><p>stuck</p>"
                                    "<script>setTimeout(function(){while(true){}}, 0);</script></body></html>"),
        "/cookie.html": lambda: _html("<html><head><title>cookie</title></head><body><p id=c></p><script>"
                                      "document.getElementById('c').textContent ="
                                      " 'cookie=' + (document.cookie || 'none');"
                                      "document.cookie = 'seen=1; max-age=3600; path=/';</script></body></html>"),
        "/many.html": lambda: _html(f"<html><head><title>many</title></head><body>{many}</body></html>"),
        **{f"/img/n{i}.png": (lambda i=i: Response(200, [("Content-Type", "image/png")],
                                                    png_bytes(20 + i, 20, (i * 20, 0, 0))))
           for i in range(12)},
    }


def _make_handler(site_routes: dict[str, Callable[[], Response]], hits: dict[str, int],
                  headers_stall: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            hits[path] = hits.get(path, 0) + 1
            if path == "/no-answer":
                headers_stall.wait(30)
                return
            factory = site_routes.get(path)
            resp = factory() if factory else Response(404, [("Content-Type", "text/plain")], b"not found")
            self.send_response(resp.status)
            names = {k.lower() for k, _ in resp.headers}
            for k, v in resp.headers:
                self.send_header(k, v)
            if resp.stream is None and "content-length" not in names:
                self.send_header("Content-Length", str(len(resp.body)))
            if resp.stream is not None and "transfer-encoding" not in names:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            with contextlib.suppress(OSError):
                if resp.stream is not None:
                    resp.stream(self)
                else:
                    self.wfile.write(resp.body)

    return Handler


def make_ca(tmp: Path) -> tuple[Path, bytes, bytes]:
    """A test CA and a server certificate for 127.0.0.1 / localhost. Returns (ca.pem, cert+key PEMs)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Evidence Kit Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=10))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem = tmp / "test-ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return ca_pem, cert_pem, key_pem


def _serve(server: ThreadingHTTPServer) -> threading.Thread:
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    return t


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("site")
    release, headers_stall = threading.Event(), threading.Event()
    hits: dict[str, int] = {}
    routes = _routes(release)
    handler = _make_handler(routes, hits, headers_stall)
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    http.daemon_threads = True
    https = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    https.daemon_threads = True
    ca_pem, cert_pem, key_pem = make_ca(tmp)
    (tmp / "server.pem").write_bytes(cert_pem)
    (tmp / "server.key").write_bytes(key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp / "server.pem", tmp / "server.key")
    https.socket = ctx.wrap_socket(https.socket, server_side=True)
    threads = [_serve(http), _serve(https)]
    try:
        yield Site(f"http://127.0.0.1:{http.server_address[1]}", f"https://127.0.0.1:{https.server_address[1]}",
                   ca_pem, release, hits, routes)
    finally:
        release.set()
        headers_stall.set()
        for s in (http, https):
            s.shutdown()
            s.server_close()
        for t in threads:
            t.join(5)


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    """A forward proxy that answers every request itself (so any host name can be 'captured')."""
    seen: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            if self.path.startswith("http://t.co/"):
                self.send_response(301)
                self.send_header("Location", "http://t.me/evidence_channel/1234")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"<html><head><title>channel post</title></head><body>post</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
