"""WACZ 1.1.1 packages of web captures, so that Webrecorder's tools (ReplayWeb.page,
`wacz validate`) replay and validate them.

    archive/<name>.warc[.gz]   the captured WARC, byte for byte (stored, not compressed)
    indexes/index.cdx          CDXJ index of its response, resource and revisit records
    pages/pages.jsonl          the captured page (json-pages-1.0)
    datapackage.json           Frictionless data package: every resource's path, bytes and
                               "sha256:<hex>", wacz_version 1.1.1, created, software, title,
                               mainPageUrl / mainPageDate
    datapackage-digest.json    {"path": "datapackage.json", "hash": "sha256:<hex>"}

The WACZ is written as a stream (it lives inside the evidence bundle): the WARC is read twice
from the encrypted store, once to index it and once to copy it, never held in memory.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from ..errors import EvidenceKitError, IntegrityError

WACZ_VERSION = "1.1.1"
CHUNK = 1 << 20
INDEXED = ("response", "resource", "revisit")


class WaczError(EvidenceKitError):
    """The WARC of a web capture cannot be packaged as WACZ."""


def surt(url: str) -> str:
    """Sort-friendly URI Reordering Transform, as web archive indexes key their records:
    `https://www.Example.com:8443/a?b=2&a=1` -> `com,example:8443)/a?a=1&b=2`."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return url.lower()
    if not host:
        return url.strip().lower()
    host = re.sub(r"^www\d*\.", "", host)
    key = ",".join(reversed(host.split("."))) if host and not host.replace(".", "").isdigit() else host
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if port is not None and port != default:
        key += f":{port}"
    path = parts.path or "/"
    query = "&".join(sorted(q for q in parts.query.split("&") if q)) if parts.query else ""
    return (f"{key}){path}" + (f"?{query}" if query else "")).lower()


def _ts14(warc_date: str) -> str:
    digits = re.sub(r"\D", "", warc_date or "")
    return (digits + "0" * 14)[:14]


def _iso_seconds(when: str) -> str:
    try:
        dt = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return when
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _archive_name(index: int, name: str, gz: bool) -> str:
    stem = re.sub(r"[^a-z0-9._-]+", "-", name.lower().removesuffix(".gz").removesuffix(".warc")).strip("-.")
    return f"{index:02d}-{stem or 'capture'}.warc" + (".gz" if gz else "")


def index_warc(reader: BinaryIO, filename: str,
               check_cancel: Callable[[], None] | None = None) -> tuple[list[str], dict[str, str]]:
    """CDXJ lines for the WARC's records, and {url: WARC-Date} of its HTML responses."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    lines: list[str] = []
    pages: dict[str, str] = {}
    try:
        it = ArchiveIterator(reader)
        for record in it:
            if check_cancel is not None:
                check_cancel()
            if not str(record.format).startswith("warc"):
                raise WaczError("the file is not a WARC (it reads as an old ARC file or not at all)")
            rtype = record.rec_type
            if rtype not in INDEXED:
                it.read_to_end(record)
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            date = record.rec_headers.get_header("WARC-Date") or ""
            fields: dict[str, Any] = {"url": url}
            http = record.http_headers
            if http is not None:
                ctype = http.get_header("Content-Type") or ""
                status = http.get_statuscode()
                if status:
                    fields["status"] = str(status)
            else:
                ctype = record.rec_headers.get_header("Content-Type") or ""
            mime = ctype.split(";")[0].strip().lower()
            if mime:
                fields["mime"] = mime
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            if digest:
                fields["digest"] = digest
            if rtype != "response":
                fields["type"] = rtype
            it.read_to_end(record)
            fields["offset"] = str(it.get_record_offset())
            fields["length"] = str(it.get_record_length())
            fields["filename"] = filename
            lines.append(f"{surt(url)} {_ts14(date)} {json.dumps(fields, ensure_ascii=False)}")
            if rtype == "response" and mime in ("text/html", "application/xhtml+xml") and url not in pages:
                pages[url] = date
    except ArchiveLoadFailed as exc:
        raise WaczError(f"the WARC cannot be read ({str(exc).strip().splitlines()[0][:120]})") from None
    if not lines:
        raise WaczError("the WARC holds no response or resource records")
    return sorted(lines), pages


class _Hashing:
    def __init__(self, out: Any, on_bytes: Callable[[int], None] | None) -> None:
        self.out = out
        self.h = hashlib.sha256()
        self.size = 0
        self.on_bytes = on_bytes

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.h.update(data)
        self.size += len(data)
        if self.on_bytes is not None:
            self.on_bytes(len(data))
        return len(data)


def write_wacz(out: BinaryIO, *, warcs: list[tuple[str, int, str, Callable[[], BinaryIO]]], page_url: str,
               page_ts: str, page_title: str, title: str, created: str, software: str,
               check_cancel: Callable[[], None] | None = None,
               on_bytes: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write a WACZ to `out` (any writable stream; nothing is sought back). `warcs` holds
    (file name, size, SHA-256, opener) for each WARC. Returns the datapackage."""
    indexes: list[str] = []
    found_pages: dict[str, str] = {}
    names = []
    for i, (name, _size, _sha, opener) in enumerate(warcs, 1):
        with opener() as reader:
            gz = reader.read(2) == b"\x1f\x8b"  # the name may not say whether it is compressed
        archive = _archive_name(i, name, gz)
        names.append(archive)
        with opener() as reader:
            lines, pages = index_warc(reader, archive, check_cancel)
        indexes += lines
        for url, date in pages.items():
            found_pages.setdefault(url, date)
    indexes.sort()
    resources: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    stamp = now.timetuple()[:6]

    def info(path: str, compress: bool, size: int = 0) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(path, date_time=stamp)
        zi.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        zi.file_size = size
        zi.external_attr = 0o644 << 16
        return zi

    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for archive, (name, size, sha256, opener) in zip(names, warcs, strict=True):
            with zf.open(info(f"archive/{archive}", False, size), "w",
                         force_zip64=size > zipfile.ZIP64_LIMIT // 2) as entry, opener() as reader:
                w = _Hashing(entry, on_bytes)
                while True:
                    if check_cancel is not None:
                        check_cancel()
                    chunk = reader.read(CHUNK)
                    if not chunk:
                        break
                    w.write(chunk)
            if w.h.hexdigest() != sha256 or w.size != size:
                raise IntegrityError(f"{name}: the stored WARC does not match its recorded SHA-256.")
            resources.append({"name": archive, "path": f"archive/{archive}", "hash": f"sha256:{w.h.hexdigest()}",
                              "bytes": w.size})

        def small(path: str, data: bytes) -> None:
            zf.writestr(info(path, True, len(data)), data)
            resources.append({"name": path.rsplit("/", 1)[-1], "path": path,
                              "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)})

        small("indexes/index.cdx", "".join(line + "\n" for line in indexes).encode("utf-8"))
        main_url = page_url if page_url in found_pages else next(iter(found_pages), page_url)
        main_date = found_pages.get(main_url) or page_ts
        page = {"id": hashlib.sha256(f"{main_url} {main_date}".encode()).hexdigest()[:24], "url": main_url,
                "ts": _iso_seconds(main_date), "title": page_title or main_url}
        pages_jsonl = (json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}) + "\n"
                       + json.dumps(page, ensure_ascii=False) + "\n")
        small("pages/pages.jsonl", pages_jsonl.encode("utf-8"))
        package = {"profile": "data-package", "resources": resources, "wacz_version": WACZ_VERSION,
                   "title": title, "created": _iso_seconds(created), "software": software,
                   "mainPageUrl": main_url, "mainPageDate": _iso_seconds(main_date)}
        package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
        zf.writestr(info("datapackage.json", True, len(package_bytes)), package_bytes)
        digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
        zf.writestr(info("datapackage-digest.json", True), json.dumps(digest, indent=2).encode("utf-8"))
    return package
