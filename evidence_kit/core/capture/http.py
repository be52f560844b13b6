"""The HTTP exchange of a capture, hop by hop.

requests does the talking, but redirects are followed here, one hop at a time, so that
every request and response of the chain is recorded (a court asks where a short link led).
For each hop we keep what the server sent: status line, headers in their order, the body as
transferred (content-encoding intact, chunked framing removed), the IP address the socket
was connected to, and for HTTPS the certificate chain and whether it verified.

Bodies are streamed into an EncryptedSpool (never whole in memory, never plaintext on disk)
and stopped at a size limit or a time limit, in which case the hop is marked truncated.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import ssl
import time
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from urllib3.exceptions import NameResolutionError, NewConnectionError, ProtocolError, ReadTimeoutError

from .. import ledger
from ..progress import CancelToken, ProgressCallback
from .errors import (
    CaptureTimeoutError,
    ConnectionRefusedError_,
    DnsError,
    NetworkError,
    ProxyError,
    TlsError,
)
from .spool import EncryptedSpool
from .urls import check_url

CHUNK = 64 << 10
MAX_REDIRECTS = 20
REDIRECT_CODES = (301, 302, 303, 307, 308)
# Only encodings we can decode ourselves for the DOM and the original file.
ACCEPT_ENCODING = "gzip, deflate"


@dataclass
class CertificateInfo:
    pem: str
    sha256: str
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    subject_alt_names: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "subject": self.subject, "issuer": self.issuer, "serial": self.serial,
                "not_before": self.not_before, "not_after": self.not_after,
                "subject_alt_names": self.subject_alt_names}


@dataclass
class TlsInfo:
    verified: bool
    error: str = ""
    version: str = ""
    cipher: str = ""
    chain: list[CertificateInfo] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "error": self.error, "version": self.version, "cipher": self.cipher,
                "certificate": self.chain[0].to_json() if self.chain else None,
                "chain": [c.to_json() for c in self.chain]}

    def chain_pem(self) -> str:
        return "".join(c.pem for c in self.chain)


@dataclass
class Hop:
    """One request and its response."""

    url: str
    method: str
    request_line: str
    request_headers: list[tuple[str, str]]
    started_utc: str
    status: int = 0
    reason: str = ""
    http_version: str = "HTTP/1.1"
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    server_ip: str = ""
    server_port: int = 0
    tls: TlsInfo | None = None
    body: EncryptedSpool | None = None
    body_size: int = 0
    body_sha256: str = ""
    truncated: str = ""  # "" or the WARC-Truncated reason: length, time, disconnect
    ended_utc: str = ""
    location: str = ""

    def header(self, name: str) -> str:
        lname = name.lower()
        for k, v in self.response_headers:
            if k.lower() == lname:
                return v
        return ""

    @property
    def content_type(self) -> str:
        return self.header("Content-Type").split(";")[0].strip().lower()

    @property
    def content_encoding(self) -> str:
        return self.header("Content-Encoding").strip().lower()

    def summary(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status, "reason": self.reason, "location": self.location,
                "server_ip": self.server_ip, "server_port": self.server_port, "started_utc": self.started_utc,
                "ended_utc": self.ended_utc, "body_bytes": self.body_size, "truncated": self.truncated,
                "content_type": self.header("Content-Type"), "http_version": self.http_version,
                "tls_verified": None if self.tls is None else self.tls.verified}

    def headers_json(self) -> dict[str, Any]:
        return {"url": self.url, "request": {"line": self.request_line,
                                             "headers": [list(h) for h in self.request_headers]},
                "response": {"status_line": f"{self.http_version} {self.status} {self.reason}".strip(),
                             "headers": [list(h) for h in self.response_headers]}}

    def close(self) -> None:
        if self.body is not None:
            self.body.close()

    def decoded_body(self) -> Iterator[bytes]:
        """The body with its Content-Encoding (gzip, deflate) undone: the file as the server
        meant it. Unknown encodings are given as transferred."""
        if self.body is None:
            return
        self.body.seek(0)
        encoding = self.content_encoding
        decoder: Any = None
        if encoding in ("gzip", "x-gzip"):
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            decoder = _DeflateDecoder()
        while True:
            chunk = self.body.read(CHUNK)
            if not chunk:
                break
            if decoder is None:
                yield chunk
                continue
            try:
                out = decoder.decompress(chunk)
            except zlib.error:
                return  # a truncated or corrupt stream: what decoded so far is what there is
            if out:
                yield out
        if decoder is not None:
            with contextlib.suppress(zlib.error):
                tail = decoder.flush()
                if tail:
                    yield tail

    def decoded_bytes(self, limit: int) -> bytes:
        out = bytearray()
        for chunk in self.decoded_body():
            out += chunk
            if len(out) >= limit:
                break
        return bytes(out[:limit])


class _DeflateDecoder:
    """deflate is zlib-wrapped by the standard, raw by many servers: try one, then the other."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj()
        self._started = False

    def decompress(self, data: bytes) -> bytes:
        if not self._started:
            self._started = True
            try:
                return self._d.decompress(data)
            except zlib.error:
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
        return self._d.decompress(data)

    def flush(self) -> bytes:
        return self._d.flush()


@dataclass
class FetchConfig:
    user_agent: str
    proxy: str = ""
    timeout_s: float = 60.0
    max_bytes: int = 512 << 20
    allow_invalid_tls: bool = False
    ca_bundle: str = ""  # extra trusted CAs (PEM file); "" = the system's
    accept: str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    accept_language: str = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"


class Fetcher:
    """One requests.Session for the whole capture (page and embedded media)."""

    def __init__(self, config: FetchConfig, tmp_dir: Path, *, cancel: CancelToken | None = None,
                 progress: ProgressCallback | None = None) -> None:
        self.config = config
        self.tmp_dir = tmp_dir
        self.cancel = cancel
        self.progress = progress
        self.session = requests.Session()
        # Only what the user configured: no proxy or CA bundle picked up from the environment,
        # so what is recorded is what was used.
        self.session.trust_env = False
        if config.proxy:
            self.session.proxies = {"http": config.proxy, "https": config.proxy}
        self.session.headers.clear()
        self.session.max_redirects = MAX_REDIRECTS

    def close(self) -> None:
        self.session.close()

    # -- a redirect chain -------------------------------------------------------------------
    def fetch_chain(self, url: str, *, referer: str = "", max_bytes: int | None = None,
                    accept: str | None = None, deadline: float | None = None) -> list[Hop]:
        """Fetch `url`, following redirects by hand. Every hop's body is spooled; the caller
        closes the hops. Raises a NetworkError subclass if the first hop fails; a failure on a
        later hop raises too (the chain is incomplete, and the caller decides)."""
        hops: list[Hop] = []
        current = check_url(url)
        method = "GET"
        try:
            for _ in range(MAX_REDIRECTS + 1):
                hop = self.fetch_one(current, method=method, referer=referer, max_bytes=max_bytes,
                                     accept=accept, deadline=deadline)
                hops.append(hop)
                if hop.status not in REDIRECT_CODES or not hop.header("Location"):
                    return hops
                target = urljoin(current, hop.header("Location").strip())
                hop.location = target
                try:
                    target = check_url(target)
                except Exception:
                    # a redirect to javascript:, data:, file: … is recorded, not followed
                    return hops
                referer, current = current, target
                if hop.status == 303:
                    method = "GET"
            raise NetworkError(f"More than {MAX_REDIRECTS} redirects; the chain was recorded up to there. / "
                               "리디렉션이 너무 많습니다.")
        except BaseException:
            for h in hops:
                h.close()
            raise

    # -- one hop ----------------------------------------------------------------------------
    def fetch_one(self, url: str, *, method: str = "GET", referer: str = "", max_bytes: int | None = None,
                  accept: str | None = None, deadline: float | None = None) -> Hop:
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()
        verify: bool | str = self.config.ca_bundle or True
        try:
            return self._request(url, method, referer, max_bytes, accept, deadline, verify, tls_error="")
        except requests.exceptions.SSLError as exc:
            reason = _tls_reason(exc)
            if not self.config.allow_invalid_tls:
                raise TlsError(f"The HTTPS certificate of {_host(url)} did not verify ({reason}); nothing was "
                               "captured. Allow invalid TLS to capture it anyway (it will be marked). / "
                               "HTTPS 인증서를 검증할 수 없습니다. 허용하면 표시와 함께 수집합니다.") from None
            with warnings.catch_warnings():
                # we record and flag the failed verification ourselves
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                return self._request(url, method, referer, max_bytes, accept, deadline, False, tls_error=reason)

    def _request(self, url: str, method: str, referer: str, max_bytes: int | None, accept: str | None,
                 deadline: float | None, verify: bool | str, tls_error: str) -> Hop:
        cfg = self.config
        headers = {"User-Agent": cfg.user_agent, "Accept": accept or cfg.accept,
                   "Accept-Language": cfg.accept_language, "Accept-Encoding": ACCEPT_ENCODING}
        if referer:
            headers["Referer"] = referer
        req = requests.Request(method, url, headers=headers)
        prepared = self.session.prepare_request(req)
        parts = urlsplit(prepared.url or url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        host = parts.netloc
        request_headers = [("Host", host)] + [(k, str(v)) for k, v in prepared.headers.items()]
        hop = Hop(url=prepared.url or url, method=method, request_line=f"{method} {target} HTTP/1.1",
                  request_headers=request_headers, started_utc=ledger.utc_now_ms())
        remaining = cfg.timeout_s if deadline is None else max(0.5, deadline - time.monotonic())
        timeout = (min(cfg.timeout_s, remaining), min(cfg.timeout_s, remaining))
        try:
            resp = self.session.send(prepared, stream=True, allow_redirects=False, timeout=timeout,
                                     verify=verify)
        except requests.exceptions.SSLError:
            raise
        except requests.exceptions.ProxyError as exc:
            raise ProxyError(f"The proxy {cfg.proxy} could not be used ({_reason(exc)}). / "
                             "프록시에 연결할 수 없습니다.") from None
        except requests.exceptions.InvalidSchema as exc:
            if "socks" in str(exc).lower():
                raise ProxyError("SOCKS proxies need the PySocks package (pip install requests[socks]). / "
                                 "SOCKS 프록시에는 PySocks 패키지가 필요합니다.") from None
            raise NetworkError(f"Cannot fetch {url}: {_reason(exc)}") from None
        except requests.exceptions.Timeout:
            raise CaptureTimeoutError(f"{_host(url)} did not answer within {int(timeout[0])} seconds. / "
                                      "서버가 제한 시간 안에 응답하지 않았습니다.") from None
        except requests.exceptions.ConnectionError as exc:
            raise _connection_error(url, exc) from None
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"Cannot fetch {url}: {_reason(exc)} / 가져올 수 없습니다.") from None
        try:
            raw: urllib3.HTTPResponse = resp.raw
            hop.status = resp.status_code
            hop.reason = resp.reason or ""
            hop.http_version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(int(raw.version or 11),
                                                                                 "HTTP/1.1")
            hop.response_headers = [(str(k), str(v)) for k, v in raw.headers.items()]
            sock = _socket_of(raw)
            if sock is not None:
                with contextlib.suppress(OSError, IndexError, TypeError):
                    peer = sock.getpeername()
                    hop.server_ip, hop.server_port = str(peer[0]), int(peer[1])
                if isinstance(sock, ssl.SSLSocket):
                    hop.tls = _tls_info(sock, verified=not tls_error, error=tls_error)
            elif parts.scheme == "https":
                hop.tls = TlsInfo(verified=not tls_error, error=tls_error or "")
            self._read_body(hop, raw, max_bytes if max_bytes is not None else cfg.max_bytes, deadline)
        except BaseException:
            hop.close()
            raise
        finally:
            resp.close()
        hop.ended_utc = ledger.utc_now_ms()
        return hop

    def _read_body(self, hop: Hop, raw: urllib3.HTTPResponse, limit: int, deadline: float | None) -> None:
        spool = EncryptedSpool(self.tmp_dir)
        hop.body = spool
        digest = hashlib.sha256()
        declared = 0
        with contextlib.suppress(ValueError):
            declared = int(hop.header("Content-Length") or 0)
        size = 0
        try:
            for chunk in _chunks(raw):
                if self.cancel is not None:
                    self.cancel.raise_if_cancelled()
                if size + len(chunk) > limit:
                    chunk = chunk[:max(0, limit - size)]
                    hop.truncated = "length"
                if chunk:
                    spool.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if self.progress is not None:
                        self.progress(size, declared, _short_url(hop.url))
                if hop.truncated:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    hop.truncated = "time"
                    break
        except (TimeoutError, ReadTimeoutError, requests.exceptions.Timeout):
            hop.truncated = "time"
        except (ProtocolError, requests.exceptions.ConnectionError, ConnectionError):
            # the server hung up mid-body: keep what arrived, marked
            hop.truncated = "disconnect"
        hop.body_size = size
        hop.body_sha256 = digest.hexdigest()


# -- helpers --------------------------------------------------------------------------------
def _chunks(raw: urllib3.HTTPResponse) -> Iterator[bytes]:
    """The body as it arrives: read1 returns whatever is there, so a stall or a time limit
    loses nothing already received (read(n) would wait for n bytes, then drop them)."""
    if raw.chunked:
        yield from raw.read_chunked(CHUNK, decode_content=False)
        return
    while True:
        data = raw.read1(CHUNK, decode_content=False)
        if not data:
            return
        yield data


def _socket_of(raw: urllib3.HTTPResponse) -> socket.socket | None:
    conn = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    # fall back to the file object http.client reads from
    fp = getattr(raw, "_fp", None)
    inner = getattr(getattr(getattr(fp, "fp", None), "raw", None), "_sock", None)
    return inner if isinstance(inner, socket.socket) else None


def _tls_info(sock: ssl.SSLSocket, *, verified: bool, error: str) -> TlsInfo:
    info = TlsInfo(verified=verified, error=error)
    with contextlib.suppress(Exception):
        info.version = sock.version() or ""
        cipher = sock.cipher()
        info.cipher = cipher[0] if cipher else ""
    ders: list[bytes] = []
    sslobj = getattr(sock, "_sslobj", None)
    # Python 3.13 makes these public; 3.10-3.12 have them on the C object only.
    for getter in ("get_verified_chain", "get_unverified_chain"):
        fn = getattr(sock, getter, None) or getattr(sslobj, getter, None)
        if fn is None or (getter == "get_verified_chain" and not verified):
            continue
        with contextlib.suppress(Exception):
            chain = fn() or []
            ders = [_cert_der(c) for c in chain]
            if ders:
                break
    if not ders:
        with contextlib.suppress(Exception):
            leaf = sock.getpeercert(binary_form=True)
            if leaf:
                ders = [leaf]
    info.chain = [describe_certificate(d) for d in ders if d]
    return info


def _cert_der(cert: Any) -> bytes:
    if isinstance(cert, bytes):
        return cert
    return bytes(cert.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]


def describe_certificate(der: bytes) -> CertificateInfo:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_der_x509_certificate(der)
    sans: list[str] = []
    with contextlib.suppress(x509.ExtensionNotFound, ValueError):
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        sans = [str(v) for v in ext.value.get_values_for_type(x509.DNSName)]
        sans += [str(v) for v in ext.value.get_values_for_type(x509.IPAddress)]
    return CertificateInfo(
        pem=cert.public_bytes(Encoding.PEM).decode("ascii"),
        sha256=hashlib.sha256(der).hexdigest(),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        not_before=ledger.iso_utc(cert.not_valid_before_utc),
        not_after=ledger.iso_utc(cert.not_valid_after_utc),
        subject_alt_names=sans,
    )


def _connection_error(url: str, exc: BaseException) -> NetworkError:
    host = _host(url)
    chain = _exception_chain(exc)
    if any(isinstance(e, NameResolutionError | socket.gaierror) for e in chain):
        return DnsError(f"The host name {host} could not be resolved (DNS). Check the address. / "
                        "호스트 이름을 찾을 수 없습니다 (DNS).")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in str(exc).lower():
        return ConnectionRefusedError_(f"{host} refused the connection. / 서버가 연결을 거부했습니다.")
    if any(isinstance(e, NewConnectionError) for e in chain) and "timed out" in str(exc).lower():
        return CaptureTimeoutError(f"{host} did not answer in time. / 서버가 제한 시간 안에 응답하지 않았습니다.")
    return NetworkError(f"Cannot reach {host}: {_reason(exc)} / 서버에 연결할 수 없습니다.")


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[Any] = [exc]
    while stack:
        e = stack.pop()
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        seen.append(e)
        stack.extend([e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())])
    return seen


def _tls_reason(exc: BaseException) -> str:
    for e in _exception_chain(exc):
        if isinstance(e, ssl.SSLCertVerificationError):
            return str(e.verify_message or e.reason or "certificate verify failed")
        if isinstance(e, ssl.CertificateError):
            return str(e)
    for e in _exception_chain(exc):
        if isinstance(e, ssl.SSLError):
            return str(e.reason or e)
    return _reason(exc)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 160 else text[:157] + "..."


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def _short_url(url: str) -> str:
    return url if len(url) <= 60 else url[:57] + "..."


