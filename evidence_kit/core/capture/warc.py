"""The raw exchange as a WARC 1.1 file (ISO 28500:2017), written with warcio.

Layout, in order: one `warcinfo` record (tool, user agent, proxy, collector's workstation);
for every hop of every fetch a `request` and a `response` record (linked by
WARC-Concurrent-To, the response with WARC-IP-Address and, when cut short,
WARC-Truncated); one `metadata` record (JSON: redirect chain, server IP, TLS certificate and
verification, capture times, limits hit) concurrent to the page's first response. Records
are gzip-compressed one by one (a .warc.gz any WARC tool reads) and digested with SHA-256.

The file itself is written to an EncryptedSpool: it holds evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from .http import Hop
from .spool import EncryptedSpool

WARC_VERSION = "WARC/1.1"
# Hop-level framing we removed while reading; the header would no longer describe the body.
_FRAMING_HEADERS = ("transfer-encoding",)


class _Sha256WarcWriter(WARCWriter):
    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


class WarcBuilder:
    """Collects records into one encrypted temporary .warc.gz."""

    def __init__(self, tmp_dir: Path, filename: str, info: dict[str, str]) -> None:
        self.filename = filename
        self.spool = EncryptedSpool(tmp_dir)
        self.writer = _Sha256WarcWriter(self.spool, gzip=True, warc_version=WARC_VERSION)
        self.records = 0
        record = self.writer.create_warcinfo_record(filename, info)
        record.rec_headers.replace_header("Content-Type", "application/warc-fields")
        self._write(record)
        self.response_ids: dict[str, str] = {}  # url -> record id of its first response

    def _write(self, record: Any) -> None:
        self.writer.write_record(record)
        self.records += 1

    def add_hop(self, hop: Hop) -> str:
        """Write the request and response of one hop; returns the response's WARC-Record-ID."""
        date = _warc_date(hop.started_utc)
        resp_headers = [(k if k.lower() not in _FRAMING_HEADERS else f"X-Original-{k}", v)
                        for k, v in hop.response_headers]
        http_resp = StatusAndHeaders(f"{hop.status} {hop.reason}".strip(), resp_headers, protocol=hop.http_version)
        warc_headers: dict[str, str] = {"WARC-Date": date}
        if hop.server_ip:
            warc_headers["WARC-IP-Address"] = hop.server_ip
        if hop.truncated:
            warc_headers["WARC-Truncated"] = hop.truncated
        body = hop.body
        if body is None:
            body = EncryptedSpool(self.spool.path.parent)
            hop.body = body
        body.seek(0)
        response = self.writer.create_warc_record(hop.url, "response", payload=body, length=hop.body_size,
                                                  http_headers=http_resp, warc_headers_dict=warc_headers)
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        http_req = StatusAndHeaders(hop.request_line, list(hop.request_headers), is_http_request=True)
        request = self.writer.create_warc_record(hop.url, "request", http_headers=http_req,
                                                 warc_headers_dict={"WARC-Date": date,
                                                                    "WARC-Concurrent-To": response_id})
        self._write(request)
        self._write(response)
        self.response_ids.setdefault(hop.url, response_id)
        return str(response_id)

    def add_metadata(self, url: str, data: dict[str, Any], concurrent_to: str = "") -> None:
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        headers = {"WARC-Concurrent-To": concurrent_to} if concurrent_to else {}
        headers["Content-Type"] = "application/json"
        spool = EncryptedSpool(self.spool.path.parent)
        try:
            spool.write(payload)
            spool.seek(0)
            record = self.writer.create_warc_record(url, "metadata", payload=spool, length=len(payload),
                                                    warc_content_type="application/json",
                                                    warc_headers_dict=headers)
            self._write(record)
        finally:
            spool.close()

    def add_resource(self, uri: str, data: bytes, content_type: str, concurrent_to: str = "") -> None:
        """A file the tool made from the page (e.g. the screenshot), as webrecorder does."""
        headers = {"WARC-Concurrent-To": concurrent_to} if concurrent_to else {}
        spool = EncryptedSpool(self.spool.path.parent)
        try:
            spool.write(data)
            spool.seek(0)
            record = self.writer.create_warc_record(uri, "resource", payload=spool, length=len(data),
                                                    warc_content_type=content_type, warc_headers_dict=headers)
            self._write(record)
        finally:
            spool.close()

    def stream(self) -> BinaryIO:
        self.spool.seek(0)
        return self.spool  # type: ignore[return-value]

    @property
    def size(self) -> int:
        return self.spool.size

    def close(self) -> None:
        self.spool.close()


def _warc_date(iso_ms: str) -> str:
    """Ledger time (2026-01-02T03:04:05.678Z) as a WARC 1.1 date (microsecond precision)."""
    if iso_ms.endswith("Z") and "." in iso_ms:
        head, frac = iso_ms[:-1].split(".", 1)
        return f"{head}.{(frac + '000000')[:6]}Z"
    return iso_ms
