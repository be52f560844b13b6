"""Reading a fetched HTML page: its character set, title and the media it embeds.

The raw bytes are always kept as they came; decoding is only for the title, the media list
and the renderer. Korean sites still serve EUC-KR/CP949: those are decoded as CP949 (a
superset of EUC-KR, which browsers also use for "euc-kr").
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.IGNORECASE)
# What browsers (WHATWG Encoding) treat as the same as these labels.
_ALIASES = {"euc-kr": "cp949", "euckr": "cp949", "ks_c_5601-1987": "cp949", "ksc5601": "cp949",
            "x-windows-949": "cp949", "windows-949": "cp949", "iso-8859-1": "cp1252", "latin1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252", "x-sjis": "shift_jis", "gb2312": "gbk"}

HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str, head: bytes) -> bool:
    ct = content_type.split(";")[0].strip().lower()
    if ct in HTML_TYPES:
        return True
    if ct in ("", "text/plain", "application/octet-stream"):
        start = head.lstrip()[:256].lower()
        return start.startswith((b"<!doctype html", b"<html")) or (b"<head" in start and b"<body" in head.lower())
    return False


def _normalise(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def detect_charset(content_type_header: str, head: bytes) -> tuple[str, str]:
    """(codec name, where it came from: bom, http, meta, utf-8, fallback)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", "bom"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "bom"
    m = _CT_CHARSET.search(content_type_header or "")
    if m:
        name = _normalise(m.group(1))
        if name:
            return name, "http"
    m2 = _META_CHARSET.search(head[:8192])
    if m2:
        name = _normalise(m2.group(1).decode("ascii", "replace"))
        if name:
            return name, "meta"
    try:
        head.decode("utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            return "utf-8", "utf-8"
    try:
        head.decode("cp949")
        return "cp949", "fallback"
    except UnicodeDecodeError:
        return "cp1252", "fallback"


def web_label(codec: str) -> str:
    """The WHATWG encoding label a browser understands for a Python codec name (Chromium does
    not know "cp949", for one)."""
    name = codecs.lookup(codec).name if codec else "utf-8"
    special = {"cp949": "euc-kr", "euc_kr": "euc-kr", "utf-8": "utf-8", "utf-16": "utf-16le",
               "shift_jis": "shift_jis", "euc_jp": "euc-jp", "gbk": "gbk", "gb18030": "gb18030", "big5": "big5",
               "koi8-r": "koi8-r", "koi8-u": "koi8-u", "mac-roman": "macintosh", "cp874": "windows-874"}
    if name in special:
        return special[name]
    if name.startswith("cp125"):
        return "windows-" + name[2:]
    if name.startswith("iso8859-"):
        return "iso-8859-" + name.split("-", 1)[1]
    return name.replace("_", "-")


def decode_html(content_type_header: str, body: bytes) -> tuple[str, str, str]:
    """(text, codec, source). Undecodable bytes become U+FFFD; the raw bytes stay untouched."""
    codec, source = detect_charset(content_type_header, body[:65536])
    return body.decode(codec, errors="replace"), codec, source


@dataclass(frozen=True)
class MediaRef:
    url: str
    source: str  # og:image, twitter:image, img, img-srcset, video, video-poster, source, …
    kind: str  # image or video


class _PageScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.title_parts: list[str] = []
        self._in_title = False
        self.title_done = False
        self.refs: list[tuple[str, str, str]] = []  # (raw url, source, kind)
        self._in_video = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href") and not self.base:
            self.base = a["href"].strip()
        elif tag == "title" and not self.title_done:
            self._in_title = True
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").strip().lower()
            content = a.get("content", "").strip()
            if content and key in _META_MEDIA:
                self.refs.append((content, key, _META_MEDIA[key]))
        elif tag == "img":
            if a.get("src"):
                self.refs.append((a["src"], "img", "image"))
            best = _largest_srcset(a.get("srcset", ""))
            if best:
                self.refs.append((best, "img-srcset", "image"))
            for lazy in ("data-src", "data-original"):
                if a.get(lazy):
                    self.refs.append((a[lazy], f"img-{lazy}", "image"))
        elif tag == "video":
            self._in_video += 1
            if a.get("src"):
                self.refs.append((a["src"], "video", "video"))
            if a.get("poster"):
                self.refs.append((a["poster"], "video-poster", "image"))
        elif tag == "source":
            kind = "video" if self._in_video or a.get("type", "").startswith("video/") else "image"
            if a.get("src"):
                self.refs.append((a["src"], "source", kind))
            best = _largest_srcset(a.get("srcset", ""))
            if best:
                self.refs.append((best, "source-srcset", "image"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title_done = True
        elif tag == "video" and self._in_video:
            self._in_video -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)


_META_MEDIA = {
    "og:image": "image", "og:image:url": "image", "og:image:secure_url": "image",
    "og:video": "video", "og:video:url": "video", "og:video:secure_url": "video",
    "twitter:image": "image", "twitter:image:src": "image", "twitter:player:stream": "video",
}


def _largest_srcset(srcset: str) -> str:
    best, best_size = "", -1.0
    for candidate in srcset.split(","):
        bits = candidate.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1:
            d = bits[1].lower()
            try:
                size = float(d[:-1]) * (1 if d.endswith("x") else 0.001) if d[-1] in "wx" else 1.0
            except ValueError:
                size = 1.0
        if size > best_size:
            best, best_size = bits[0], size
    return best


@dataclass
class PageInfo:
    title: str
    media: list[MediaRef]
    base_url: str


def scan_page(html_text: str, page_url: str) -> PageInfo:
    """Title and embedded media (absolute http(s) URLs, first occurrence kept, in page order;
    og:/twitter: cards first since they name the page's main picture or video)."""
    scanner = _PageScanner()
    try:
        scanner.feed(html_text)
        scanner.close()
    except Exception:  # noqa: S110 - hostile markup: keep what was parsed so far
        pass
    base = urljoin(page_url, scanner.base) if scanner.base else page_url
    ordered = sorted(scanner.refs, key=lambda r: 0 if r[1] in _META_MEDIA else 1)
    seen: set[str] = set()
    media: list[MediaRef] = []
    for raw, source, kind in ordered:
        raw = raw.strip()
        if not raw or raw.startswith(("data:", "blob:", "javascript:", "#")):
            continue
        absolute = urljoin(base, raw)
        try:
            scheme = urlsplit(absolute).scheme.lower()
        except ValueError:
            continue
        if scheme not in ("http", "https"):
            continue
        key = absolute.split("#", 1)[0]
        if key in seen:
            continue
        seen.add(key)
        media.append(MediaRef(key, source, kind))
    title = " ".join("".join(scanner.title_parts).split())
    return PageInfo(title=title[:500], media=media, base_url=base)
